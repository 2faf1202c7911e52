// mitra's HTTP transport (http::Server) with a dispatcher that does nothing: answers every
// request with 200 {"status":"ok"}. run.sh measures it between the Beast ceiling and the real
// mitra server, to split "what the transport costs" (worker-pool hop, parsing, headers, metrics,
// the log line) from "what the API and database cost".
//
// Usage: mitra_bench_http_transport [PORT] [LOG_LEVEL]   prints "listening on http://HOST:PORT".
#include <cstdio>
#include <cstdlib>
#include <string>

#include "api/http_types.hpp"
#include "http/server.hpp"

namespace {

class NoopDispatcher : public mitra::api::Dispatcher {
public:
    mitra::api::HttpResponse Handle(const mitra::api::HttpRequest&) override {
        mitra::api::HttpResponse response;
        response.body = R"({"status":"ok"})";
        response.route = "/healthz";
        return response;
    }
};

}  // namespace

int main(int argc, char** argv) {
    mitra::http::ServerOptions options;
    options.port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 0);
    options.log_level = argc > 2 ? argv[2] : "info";
    NoopDispatcher dispatcher;
    mitra::http::Server server(options, dispatcher);
    const std::uint16_t port = server.Listen();
    std::printf("listening on http://%s:%u\n", options.host.c_str(), static_cast<unsigned>(port));
    std::fflush(stdout);
    server.Run();
    return 0;
}
