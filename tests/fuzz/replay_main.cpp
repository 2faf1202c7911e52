// Runs the fuzz target over files, without libFuzzer: `mitra_request_fuzz_replay DIR|FILE...`.
// ctest runs it over tests/fuzz/corpus (seeds and every input a fuzzing run found wrong), so any
// compiler's build re-checks them. Exits non-zero if a path holds no input; a failed invariant
// aborts inside the target.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

bool RunFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        return false;
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t inputs = 0;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path arg(argv[i]);
        std::vector<std::filesystem::path> files;
        if (std::filesystem::is_directory(arg)) {
            for (const auto& entry : std::filesystem::recursive_directory_iterator(arg)) {
                if (entry.is_regular_file()) {
                    files.push_back(entry.path());
                }
            }
        } else {
            files.push_back(arg);
        }
        if (files.empty()) {
            std::fprintf(stderr, "no input in %s\n", argv[i]);
            return 2;
        }
        for (const auto& file : files) {
            if (!RunFile(file)) {
                return 2;
            }
            ++inputs;
        }
    }
    std::printf("%zu inputs, every answer a 2xx-4xx in the DESIGN shape\n", inputs);
    return inputs > 0 ? 0 : 2;
}
