#include "api/catalog/coa.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "core/time.hpp"

namespace mitra::api::catalog {

namespace {

namespace products = core::products;
using nlohmann::json;

// ---- small text helpers -------------------------------------------------------------------

std::string Trim(std::string_view text) {
    std::size_t begin = 0;
    std::size_t end = text.size();
    while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) {
        ++begin;
    }
    while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) {
        --end;
    }
    return std::string(text.substr(begin, end - begin));
}

std::string Lower(std::string text) {
    for (char& c : text) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return text;
}

bool IsIdentifier(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

bool StartsWith(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

/// A gram of product cannot hold more than 1000 mg of anything (physical bound, not clinical).
bool WithinPhysicalBound(const std::string& field, double value) {
    constexpr double kMaxMgPerG = 1000.0;
    return !EndsWith(field, "_mg_per_g") || value <= kMaxMgPerG;
}

// ---- one lot, built field by field from either format -------------------------------------

/// Collects the problems of one row while its fields are set.
class RowBuilder {
public:
    RowBuilder(int row, std::vector<CoaRejection>& rejections)
        : row_(row), rejections_(rejections) {
        lot_.row = row;
    }

    CoaLot& lot() { return lot_; }
    bool ok() const { return ok_; }

    void Reject(const std::string& field, const std::string& reason) {
        rejections_.push_back({row_, field, reason});
        rejected_fields_.insert(field);
        ok_ = false;
    }

    /// Parses a non-negative finite number; empty = absent.
    std::optional<double> Number(const std::string& field, const std::string& text) {
        std::string t = Trim(text);
        if (t.empty()) {
            return std::nullopt;
        }
        double value = 0.0;
        const char* first = t.data();
        const char* last = t.data() + t.size();
        if (*first == '+') {
            ++first;
        }
        auto [ptr, ec] = std::from_chars(first, last, value);
        if (ec != std::errc() || ptr != last || !std::isfinite(value)) {
            Reject(field, "not a number: '" + t + "'");
            return std::nullopt;
        }
        if (value < 0.0) {
            Reject(field, "negative value " + t + " (must be >= 0)");
            return std::nullopt;
        }
        if (!WithinPhysicalBound(field, value)) {
            Reject(field, "exceeds 1000 mg/g (more than the gram itself)");
            return std::nullopt;
        }
        return value;
    }

    std::optional<bool> Boolean(const std::string& field, const std::string& text) {
        std::string t = Lower(Trim(text));
        if (t.empty()) {
            return std::nullopt;
        }
        if (t == "true" || t == "yes" || t == "detected") {
            return true;
        }
        if (t == "false" || t == "no" || t == "not_detected" || t == "not detected") {
            return false;
        }
        Reject(field, "expected true/false (or yes/no, detected/not_detected), got '" + t + "'");
        return std::nullopt;
    }

    void Microbial(const std::string& field, const std::string& test, const std::string& text) {
        std::string t = Lower(Trim(text));
        if (t.empty()) {
            return;
        }
        if (t == "pass") {
            lot_.assay.microbial[test] = products::TestResult::kPass;
        } else if (t == "fail") {
            lot_.assay.microbial[test] = products::TestResult::kFail;
        } else {
            Reject(field, "expected pass or fail, got '" + t + "'");
        }
    }

    void Basis(const std::string& field, const std::string& text) {
        std::string t = Lower(Trim(text));
        if (t.empty()) {
            return;
        }
        if (t == "dry_weight") {
            lot_.assay.basis = products::AssayBasis::kDryWeight;
        } else if (t == "as_is") {
            lot_.assay.basis = products::AssayBasis::kAsIs;
        } else {
            Reject(field, "expected dry_weight or as_is, got '" + t + "'");
        }
    }

    void Moisture(const std::string& field, const std::string& text) {
        std::optional<double> value = Number(field, text);
        if (value && *value >= 100.0) {
            Reject(field, "moisture must be below 100 %");
            return;
        }
        lot_.assay.moisture_percent = value;
    }

    void TestedOn(const std::string& field, const std::string& text) {
        std::string t = Trim(text);
        if (t.empty()) {
            return;
        }
        if (!core::ParseDate(t)) {
            Reject(field, "not a YYYY-MM-DD date: '" + t + "'");
            return;
        }
        lot_.assay.tested_on = t;
    }

    void OptionalText(std::optional<std::string>& target, const std::string& text) {
        std::string t = Trim(text);
        if (!t.empty()) {
            target = t;
        }
    }

    /// Final checks shared by both formats; `mitragynine_field` names the field per format.
    void Finish(const std::string& mitragynine_field) {
        if (lot_.code.empty() && !rejected_fields_.count("code")) {
            Reject("code", "missing lot code");
        }
        if (!lot_.assay.mitragynine_mg_per_g && !rejected_fields_.count(mitragynine_field)) {
            Reject(mitragynine_field, "missing value (required for every lot)");
        }
    }

private:
    int row_;
    std::vector<CoaRejection>& rejections_;
    CoaLot lot_;
    std::set<std::string> rejected_fields_;
    bool ok_ = true;
};

std::optional<double>* MetalSlot(products::MetalsUgPerG& metals, const std::string& name) {
    if (name == "lead") {
        return &metals.lead;
    }
    if (name == "arsenic") {
        return &metals.arsenic;
    }
    if (name == "cadmium") {
        return &metals.cadmium;
    }
    if (name == "mercury") {
        return &metals.mercury;
    }
    if (name == "nickel") {
        return &metals.nickel;
    }
    return nullptr;
}

// ---- CSV ----------------------------------------------------------------------------------

struct CsvRecord {
    int line = 0;
    std::vector<std::string> cells;
};

/// RFC 4180: quoted cells may hold commas, doubled quotes and line breaks. Blank lines are
/// skipped. Returns false with `error_line` on an unterminated quote.
bool SplitCsv(std::string_view text, std::vector<CsvRecord>& out, int& error_line) {
    if (StartsWith(text, "\xEF\xBB\xBF")) {
        text.remove_prefix(3);
    }
    int line = 1;
    std::size_t i = 0;
    while (i < text.size()) {
        CsvRecord record;
        record.line = line;
        std::string cell;
        bool in_quotes = false;
        bool any = false;
        for (; i < text.size(); ++i) {
            char c = text[i];
            if (in_quotes) {
                if (c == '"') {
                    if (i + 1 < text.size() && text[i + 1] == '"') {
                        cell.push_back('"');
                        ++i;
                    } else {
                        in_quotes = false;
                    }
                } else {
                    if (c == '\n') {
                        ++line;
                    }
                    cell.push_back(c);
                }
                continue;
            }
            if (c == '"') {
                in_quotes = true;
                any = true;
            } else if (c == ',') {
                record.cells.push_back(cell);
                cell.clear();
                any = true;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
                    ++i;
                }
                ++i;
                ++line;
                break;
            } else {
                cell.push_back(c);
                if (!std::isspace(static_cast<unsigned char>(c))) {
                    any = true;
                }
            }
        }
        if (in_quotes) {
            error_line = record.line;
            return false;
        }
        record.cells.push_back(cell);
        if (any) {
            out.push_back(std::move(record));
        }
    }
    return true;
}

enum class ColumnKind {
    kCode, kProduct, kLab, kTestedOn, kBasis, kMoisture, kMitragynine, kHydroxy, kTotal,
    kOtherAlkaloid, kMetal, kMicrobial, kSynthetic, kControlled, kLabelMitragynine,
    kLabelHydroxy, kLabelSynthetic, kLabelControlled,
};

struct Column {
    ColumnKind kind;
    std::string name;  // header as written (lower case)
    std::string key;   // alkaloid, metal or test name for the families
};

std::optional<Column> ClassifyColumn(const std::string& name) {
    static const std::map<std::string, ColumnKind> kFixed = {
        {"code", ColumnKind::kCode},
        {"product", ColumnKind::kProduct},
        {"lab", ColumnKind::kLab},
        {"tested_on", ColumnKind::kTestedOn},
        {"basis", ColumnKind::kBasis},
        {"moisture_percent", ColumnKind::kMoisture},
        {"mitragynine_mg_per_g", ColumnKind::kMitragynine},
        {"hydroxymitragynine_mg_per_g", ColumnKind::kHydroxy},
        {"total_alkaloids_mg_per_g", ColumnKind::kTotal},
        {"synthetic_alkaloids_detected", ColumnKind::kSynthetic},
        {"controlled_substances_detected", ColumnKind::kControlled},
        {"label_mitragynine_mg_per_g", ColumnKind::kLabelMitragynine},
        {"label_hydroxymitragynine_mg_per_g", ColumnKind::kLabelHydroxy},
        {"label_declares_synthetic_alkaloids", ColumnKind::kLabelSynthetic},
        {"label_declares_controlled_substances", ColumnKind::kLabelControlled},
    };
    if (auto it = kFixed.find(name); it != kFixed.end()) {
        return Column{it->second, name, {}};
    }
    if (EndsWith(name, "_ug_per_g")) {
        std::string metal = name.substr(0, name.size() - 9);
        products::MetalsUgPerG probe;
        if (MetalSlot(probe, metal) != nullptr) {
            return Column{ColumnKind::kMetal, name, metal};
        }
        return std::nullopt;
    }
    if (StartsWith(name, "alkaloid_") && EndsWith(name, "_mg_per_g")) {
        std::string alkaloid = name.substr(9, name.size() - 9 - 9);
        if (IsIdentifier(alkaloid) && alkaloid != "mitragynine" &&
            alkaloid != "hydroxymitragynine" && alkaloid != "total") {
            return Column{ColumnKind::kOtherAlkaloid, name, alkaloid};
        }
        return std::nullopt;
    }
    if (StartsWith(name, "microbial_")) {
        std::string test = name.substr(10);
        if (IsIdentifier(test)) {
            return Column{ColumnKind::kMicrobial, name, test};
        }
    }
    return std::nullopt;
}

void ApplyCell(RowBuilder& b, const Column& col, const std::string& cell) {
    CoaLot& lot = b.lot();
    products::Assay& a = lot.assay;
    switch (col.kind) {
        case ColumnKind::kCode:
            lot.code = Trim(cell);
            break;
        case ColumnKind::kProduct:
            lot.product = Trim(cell);
            break;
        case ColumnKind::kLab:
            b.OptionalText(a.lab, cell);
            break;
        case ColumnKind::kTestedOn:
            b.TestedOn(col.name, cell);
            break;
        case ColumnKind::kBasis:
            b.Basis(col.name, cell);
            break;
        case ColumnKind::kMoisture:
            b.Moisture(col.name, cell);
            break;
        case ColumnKind::kMitragynine:
            a.mitragynine_mg_per_g = b.Number(col.name, cell);
            break;
        case ColumnKind::kHydroxy:
            a.hydroxymitragynine_mg_per_g = b.Number(col.name, cell);
            break;
        case ColumnKind::kTotal:
            a.total_alkaloids_mg_per_g = b.Number(col.name, cell);
            break;
        case ColumnKind::kOtherAlkaloid:
            if (auto v = b.Number(col.name, cell)) {
                a.other_alkaloids_mg_per_g[col.key] = *v;
            }
            break;
        case ColumnKind::kMetal:
            *MetalSlot(a.metals_ug_per_g, col.key) = b.Number(col.name, cell);
            break;
        case ColumnKind::kMicrobial:
            b.Microbial(col.name, col.key, cell);
            break;
        case ColumnKind::kSynthetic:
            a.synthetic_alkaloids_detected = b.Boolean(col.name, cell);
            break;
        case ColumnKind::kControlled:
            a.controlled_substances_detected = b.Boolean(col.name, cell);
            break;
        case ColumnKind::kLabelMitragynine:
            lot.label.mitragynine_mg_per_g = b.Number(col.name, cell);
            break;
        case ColumnKind::kLabelHydroxy:
            lot.label.hydroxymitragynine_mg_per_g = b.Number(col.name, cell);
            break;
        case ColumnKind::kLabelSynthetic:
            lot.label.declares_synthetic_alkaloids = b.Boolean(col.name, cell).value_or(false);
            break;
        case ColumnKind::kLabelControlled:
            lot.label.declares_controlled_substances = b.Boolean(col.name, cell).value_or(false);
            break;
    }
}

bool IsLabelColumn(ColumnKind kind) {
    return kind == ColumnKind::kLabelMitragynine || kind == ColumnKind::kLabelHydroxy ||
           kind == ColumnKind::kLabelSynthetic || kind == ColumnKind::kLabelControlled;
}

// ---- JSON ---------------------------------------------------------------------------------

std::optional<double> JsonNumber(RowBuilder& b, const json& object, const char* key,
                                 const std::string& path) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        return std::nullopt;
    }
    const std::string field = path + key;
    if (!it->is_number()) {
        b.Reject(field, "not a number: " + it->dump());
        return std::nullopt;
    }
    double value = it->get<double>();
    if (!std::isfinite(value)) {
        b.Reject(field, "not a finite number");
        return std::nullopt;
    }
    if (value < 0.0) {
        b.Reject(field, "negative value " + it->dump() + " (must be >= 0)");
        return std::nullopt;
    }
    if (!WithinPhysicalBound(field, value)) {
        b.Reject(field, "exceeds 1000 mg/g (more than the gram itself)");
        return std::nullopt;
    }
    return value;
}

std::optional<bool> JsonBool(RowBuilder& b, const json& object, const char* key,
                             const std::string& path) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        return std::nullopt;
    }
    if (!it->is_boolean()) {
        b.Reject(path + key, "expected true or false, got " + it->dump());
        return std::nullopt;
    }
    return it->get<bool>();
}

std::string JsonString(RowBuilder& b, const json& object, const char* key,
                       const std::string& path) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        return {};
    }
    if (!it->is_string()) {
        b.Reject(path + key, "expected a string, got " + it->dump());
        return {};
    }
    return Trim(it->get<std::string>());
}

void RejectUnknownKeys(RowBuilder& b, const json& object, const std::string& path,
                       std::initializer_list<const char*> keys) {
    for (const auto& item : object.items()) {
        if (std::none_of(keys.begin(), keys.end(),
                         [&item](const char* k) { return item.key() == k; })) {
            b.Reject(path + item.key(), "unknown field");
        }
    }
}

const json* JsonObject(RowBuilder& b, const json& parent, const char* key,
                       const std::string& path) {
    auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) {
        return nullptr;
    }
    if (!it->is_object()) {
        b.Reject(path + key, "expected an object");
        return nullptr;
    }
    return &*it;
}

void ParseJsonAssay(RowBuilder& b, const json& j) {
    const std::string p = "assay.";
    products::Assay& a = b.lot().assay;
    RejectUnknownKeys(b, j, p,
                      {"mitragynine_mg_per_g", "hydroxymitragynine_mg_per_g",
                       "total_alkaloids_mg_per_g", "other_alkaloids_mg_per_g", "metals_ug_per_g",
                       "microbial", "synthetic_alkaloids_detected",
                       "controlled_substances_detected", "basis", "moisture_percent", "lab",
                       "tested_on"});
    a.mitragynine_mg_per_g = JsonNumber(b, j, "mitragynine_mg_per_g", p);
    a.hydroxymitragynine_mg_per_g = JsonNumber(b, j, "hydroxymitragynine_mg_per_g", p);
    a.total_alkaloids_mg_per_g = JsonNumber(b, j, "total_alkaloids_mg_per_g", p);
    if (const json* others = JsonObject(b, j, "other_alkaloids_mg_per_g", p)) {
        for (const auto& item : others->items()) {
            if (auto v = JsonNumber(b, *others, item.key().c_str(), p + "other_alkaloids_mg_per_g.")) {
                a.other_alkaloids_mg_per_g[item.key()] = *v;
            }
        }
    }
    if (const json* metals = JsonObject(b, j, "metals_ug_per_g", p)) {
        for (const auto& item : metals->items()) {
            std::optional<double>* slot = MetalSlot(a.metals_ug_per_g, item.key());
            if (slot == nullptr) {
                b.Reject(p + "metals_ug_per_g." + item.key(), "unknown field");
                continue;
            }
            *slot = JsonNumber(b, *metals, item.key().c_str(), p + "metals_ug_per_g.");
        }
    }
    if (const json* microbial = JsonObject(b, j, "microbial", p)) {
        for (const auto& item : microbial->items()) {
            const std::string field = p + "microbial." + item.key();
            if (!item.value().is_string()) {
                b.Reject(field, "expected \"pass\" or \"fail\"");
                continue;
            }
            b.Microbial(field, item.key(), item.value().get<std::string>());
        }
    }
    a.synthetic_alkaloids_detected = JsonBool(b, j, "synthetic_alkaloids_detected", p);
    a.controlled_substances_detected = JsonBool(b, j, "controlled_substances_detected", p);
    b.Basis(p + "basis", JsonString(b, j, "basis", p));
    if (auto m = JsonNumber(b, j, "moisture_percent", p)) {
        if (*m >= 100.0) {
            b.Reject(p + "moisture_percent", "moisture must be below 100 %");
        } else {
            a.moisture_percent = m;
        }
    }
    b.OptionalText(a.lab, JsonString(b, j, "lab", p));
    b.TestedOn(p + "tested_on", JsonString(b, j, "tested_on", p));
}

void ParseJsonLot(RowBuilder& b, const json& j) {
    if (!j.is_object()) {
        b.Reject("", "a lot must be a JSON object");
        return;
    }
    RejectUnknownKeys(b, j, "", {"id", "product_id", "code", "product", "assay", "label"});
    CoaLot& lot = b.lot();
    lot.code = JsonString(b, j, "code", "");
    lot.product = JsonString(b, j, "product", "");
    if (const json* assay = JsonObject(b, j, "assay", "")) {
        ParseJsonAssay(b, *assay);
    } else if (!j.contains("assay")) {
        b.Reject("assay", "missing assay");
    }
    lot.label.supplied = false;
    if (const json* label = JsonObject(b, j, "label", "")) {
        const std::string p = "label.";
        lot.label.supplied = true;
        RejectUnknownKeys(b, *label, p,
                          {"mitragynine_mg_per_g", "hydroxymitragynine_mg_per_g",
                           "declares_synthetic_alkaloids", "declares_controlled_substances"});
        lot.label.mitragynine_mg_per_g = JsonNumber(b, *label, "mitragynine_mg_per_g", p);
        lot.label.hydroxymitragynine_mg_per_g =
            JsonNumber(b, *label, "hydroxymitragynine_mg_per_g", p);
        lot.label.declares_synthetic_alkaloids =
            JsonBool(b, *label, "declares_synthetic_alkaloids", p).value_or(false);
        lot.label.declares_controlled_substances =
            JsonBool(b, *label, "declares_controlled_substances", p).value_or(false);
    }
}

void KeepIfGood(RowBuilder& b, CoaParseResult& result, std::set<std::string>& codes,
                const std::string& mitragynine_field) {
    b.Finish(mitragynine_field);
    if (b.ok() && !codes.insert(b.lot().code).second) {
        b.Reject("code", "duplicate lot code '" + b.lot().code + "' in this file");
    }
    if (b.ok()) {
        result.lots.push_back(std::move(b.lot()));
    }
}

}  // namespace

CoaParseResult ParseCoaCsv(std::string_view text) {
    CoaParseResult result;
    std::vector<CsvRecord> records;
    int error_line = 0;
    if (!SplitCsv(text, records, error_line)) {
        result.rejections.push_back({error_line, "", "unterminated quoted cell"});
        return result;
    }
    if (records.empty()) {
        result.rejections.push_back({1, "", "empty file: expected a header row"});
        return result;
    }
    const CsvRecord& header = records.front();
    std::vector<Column> columns;
    std::set<std::string> seen;
    bool header_ok = true;
    bool has_label = false;
    for (const std::string& raw : header.cells) {
        const std::string name = Lower(Trim(raw));
        if (!seen.insert(name).second) {
            result.rejections.push_back({header.line, name, "duplicate column"});
            header_ok = false;
            continue;
        }
        std::optional<Column> column = ClassifyColumn(name);
        if (!column) {
            result.rejections.push_back(
                {header.line, name, "unknown column (see docs/coa-format.md)"});
            header_ok = false;
            continue;
        }
        has_label = has_label || IsLabelColumn(column->kind);
        columns.push_back(*column);
    }
    if (!seen.count("code")) {
        result.rejections.push_back({header.line, "code", "missing required column"});
        header_ok = false;
    }
    if (!seen.count("mitragynine_mg_per_g")) {
        result.rejections.push_back({header.line, "mitragynine_mg_per_g", "missing required column"});
        header_ok = false;
    }
    if (!header_ok) {
        return result;
    }
    std::set<std::string> codes;
    for (std::size_t r = 1; r < records.size(); ++r) {
        const CsvRecord& record = records[r];
        RowBuilder b(record.line, result.rejections);
        b.lot().label.supplied = has_label;
        if (record.cells.size() != columns.size()) {
            b.Reject("", "expected " + std::to_string(columns.size()) + " cells, found " +
                             std::to_string(record.cells.size()));
            continue;
        }
        for (std::size_t c = 0; c < columns.size(); ++c) {
            ApplyCell(b, columns[c], record.cells[c]);
        }
        KeepIfGood(b, result, codes, "mitragynine_mg_per_g");
    }
    return result;
}

CoaParseResult ParseCoaJson(std::string_view text) {
    CoaParseResult result;
    json document = json::parse(text.begin(), text.end(), nullptr, false);
    if (document.is_discarded()) {
        result.rejections.push_back({0, "", "not valid JSON"});
        return result;
    }
    const json* lots = &document;
    if (document.is_object() && document.contains("lots")) {
        lots = &document["lots"];
        if (!lots->is_array()) {
            result.rejections.push_back({0, "lots", "expected an array"});
            return result;
        }
    }
    std::set<std::string> codes;
    if (lots->is_array()) {
        for (std::size_t i = 0; i < lots->size(); ++i) {
            RowBuilder b(static_cast<int>(i + 1), result.rejections);
            ParseJsonLot(b, (*lots)[i]);
            KeepIfGood(b, result, codes, "assay.mitragynine_mg_per_g");
        }
    } else {
        RowBuilder b(1, result.rejections);
        ParseJsonLot(b, *lots);
        KeepIfGood(b, result, codes, "assay.mitragynine_mg_per_g");
    }
    return result;
}

CoaParseResult ParseCoaFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw InternalError("cannot open COA file " + path.string());
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    const std::string ext = Lower(path.extension().string());
    if (ext == ".csv") {
        return ParseCoaCsv(text);
    }
    if (ext == ".json") {
        return ParseCoaJson(text);
    }
    const std::string trimmed = Trim(text);
    if (!trimmed.empty() && (trimmed.front() == '{' || trimmed.front() == '[')) {
        return ParseCoaJson(text);
    }
    return ParseCoaCsv(text);
}

json AssayToJson(const products::Assay& a) {
    json j = json::object();
    auto put = [&j](const char* key, const std::optional<double>& v) {
        if (v) {
            j[key] = *v;
        }
    };
    put("mitragynine_mg_per_g", a.mitragynine_mg_per_g);
    put("hydroxymitragynine_mg_per_g", a.hydroxymitragynine_mg_per_g);
    put("total_alkaloids_mg_per_g", a.total_alkaloids_mg_per_g);
    if (!a.other_alkaloids_mg_per_g.empty()) {
        j["other_alkaloids_mg_per_g"] = a.other_alkaloids_mg_per_g;
    }
    json metals = json::object();
    for (const char* name : {"lead", "arsenic", "cadmium", "mercury", "nickel"}) {
        products::MetalsUgPerG copy = a.metals_ug_per_g;
        if (const auto* slot = MetalSlot(copy, name); slot != nullptr && slot->has_value()) {
            metals[name] = **slot;
        }
    }
    if (!metals.empty()) {
        j["metals_ug_per_g"] = std::move(metals);
    }
    if (!a.microbial.empty()) {
        json microbial = json::object();
        for (const auto& [test, result] : a.microbial) {
            microbial[test] = result == products::TestResult::kPass ? "pass" : "fail";
        }
        j["microbial"] = std::move(microbial);
    }
    if (a.synthetic_alkaloids_detected) {
        j["synthetic_alkaloids_detected"] = *a.synthetic_alkaloids_detected;
    }
    if (a.controlled_substances_detected) {
        j["controlled_substances_detected"] = *a.controlled_substances_detected;
    }
    if (a.basis != products::AssayBasis::kNotStated) {
        j["basis"] = a.basis == products::AssayBasis::kDryWeight ? "dry_weight" : "as_is";
    }
    put("moisture_percent", a.moisture_percent);
    if (a.lab) {
        j["lab"] = *a.lab;
    }
    if (a.tested_on) {
        j["tested_on"] = *a.tested_on;
    }
    return j;
}

}  // namespace mitra::api::catalog
