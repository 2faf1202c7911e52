#include "api/catalog/check_product.hpp"

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

#include "api/catalog/standards_json.hpp"

namespace mitra::api::catalog {

namespace {

namespace products = core::products;

std::string Num(const std::optional<double>& value) {
    if (!value) {
        return "-";
    }
    std::ostringstream out;
    out.precision(6);
    out << *value;
    return out.str();
}

std::string Pad(const std::string& text, std::size_t width) {
    return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

std::string Upper(std::string text) {
    for (char& c : text) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return text;
}

std::string OverallText(const std::optional<bool>& passes) {
    if (!passes) {
        return "CANNOT DETERMINE";
    }
    return *passes ? "PASS" : "FAIL";
}

}  // namespace

std::string FormatReport(const products::ComplianceReport& report) {
    int counts[3] = {0, 0, 0};
    std::size_t rule_width = 4;
    for (const products::Finding& f : report.findings) {
        ++counts[static_cast<int>(f.verdict)];
        rule_width = std::max(rule_width, f.rule.size());
    }
    std::ostringstream out;
    out << "Overall: " << OverallText(report.passes) << " (" << counts[0] << " pass, "
        << counts[1] << " fail, " << counts[2] << " cannot determine)\n\n";
    const std::size_t w = rule_width + 2;
    out << Pad("rule", w) << Pad("verdict", 18) << Pad("value", 12) << Pad("limit", 12) << "unit\n";
    out << std::string(w + 18 + 12 + 12 + 22, '-') << "\n";
    for (const products::Finding& f : report.findings) {
        std::string verdict = products::VerdictName(f.verdict);
        if (!f.counts_toward_passes) {
            verdict += "*";
        }
        out << Pad(f.rule, w) << Pad(verdict, 18) << Pad(Num(f.value), 12)
            << Pad(Num(f.limit), 12) << f.unit << "\n";
    }
    if (std::any_of(report.findings.begin(), report.findings.end(),
                    [](const products::Finding& f) { return !f.counts_toward_passes; })) {
        out << "* reported only; does not affect the overall verdict\n";
    }
    out << "\nDetails\n";
    for (const products::Finding& f : report.findings) {
        out << "- " << f.rule << ": " << products::VerdictName(f.verdict) << "\n"
            << "    computation: " << f.computation << "\n"
            << "    citation:    " << f.citation << " [" << f.evidence << "]\n";
        if (!f.url.empty()) {
            out << "    url:         " << f.url << "\n";
        }
        if (!f.note.empty()) {
            out << "    note:        " << f.note << "\n";
        }
    }
    return out.str();
}

std::string FormatRejections(const std::vector<CoaRejection>& rejections) {
    if (rejections.empty()) {
        return {};
    }
    std::size_t field_width = 5;
    for (const CoaRejection& r : rejections) {
        field_width = std::max(field_width, r.field.size());
    }
    std::ostringstream out;
    out << "Rejected rows: " << rejections.size() << "\n";
    out << Pad("row", 6) << Pad("field", field_width + 2) << "reason\n";
    for (const CoaRejection& r : rejections) {
        out << Pad(std::to_string(r.row), 6) << Pad(r.field.empty() ? "-" : r.field, field_width + 2)
            << r.reason << "\n";
    }
    return out.str();
}

CheckProductOutput RunCheckProduct(const std::filesystem::path& file,
                                   const products::Standards& standards,
                                   const CheckProductOptions& options) {
    CoaParseResult parsed = ParseCoaFile(file);
    std::vector<products::ComplianceReport> reports;
    reports.reserve(parsed.lots.size());
    for (const CoaLot& lot : parsed.lots) {
        reports.push_back(products::Check(standards, lot.assay, lot.label, options.daily_intake_g,
                                          options.jurisdiction_rules));
    }
    bool any_fail = false;
    bool any_undetermined = false;
    for (const auto& report : reports) {
        any_fail = any_fail || (report.passes && !*report.passes);
        any_undetermined = any_undetermined || !report.passes;
    }
    CheckProductOutput output;
    output.exit_code = any_fail                        ? 1
                       : !parsed.rejections.empty()    ? 3
                       : any_undetermined || reports.empty() ? 2
                                                       : 0;
    if (options.json) {
        nlohmann::json lots = nlohmann::json::array();
        for (std::size_t i = 0; i < reports.size(); ++i) {
            nlohmann::json j = ComplianceReportToJson(reports[i]);
            j["code"] = parsed.lots[i].code;
            j["row"] = parsed.lots[i].row;
            if (!parsed.lots[i].product.empty()) {
                j["product"] = parsed.lots[i].product;
            }
            lots.push_back(std::move(j));
        }
        nlohmann::json rejected = nlohmann::json::array();
        for (const CoaRejection& r : parsed.rejections) {
            rejected.push_back({{"row", r.row}, {"field", r.field}, {"reason", r.reason}});
        }
        output.out = nlohmann::json{{"standards_version", standards.version},
                                    {"daily_intake_g", options.daily_intake_g
                                                           ? nlohmann::json(*options.daily_intake_g)
                                                           : nlohmann::json(nullptr)},
                                    {"lots", std::move(lots)},
                                    {"rejections", std::move(rejected)}}
                         .dump(2) +
                     "\n";
        return output;
    }
    std::ostringstream out;
    out << "COA " << file.filename().string() << ": " << parsed.lots.size() << " lot(s) checked, "
        << parsed.rejections.size() << " rejection(s); standards " << standards.version
        << "; daily intake "
        << (options.daily_intake_g ? Num(options.daily_intake_g) + " g/day" : "not given")
        << "\n";
    for (std::size_t i = 0; i < reports.size(); ++i) {
        const CoaLot& lot = parsed.lots[i];
        out << "\n=== Lot " << lot.code << (lot.product.empty() ? "" : " (" + lot.product + ")")
            << ", row " << lot.row << " ===\n"
            << FormatReport(reports[i]);
    }
    if (!parsed.rejections.empty()) {
        out << "\n" << FormatRejections(parsed.rejections);
    }
    out << "\nResult: " << Upper(output.exit_code == 0   ? "all lots pass"
                                 : output.exit_code == 1 ? "at least one lot fails"
                                 : output.exit_code == 3 ? "rows rejected"
                                                         : "cannot determine")
        << "\n";
    output.out = out.str();
    return output;
}

}  // namespace mitra::api::catalog
