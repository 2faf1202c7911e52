#include "app/demo_clinical.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <random>

#include <nlohmann/json.hpp>

#include "api/clinical_mapping.hpp"
#include "core/ids.hpp"
#include "core/time.hpp"

namespace mitra::app {
namespace {

using Json = nlohmann::json;

constexpr std::uint64_t kSeed = 20260308;  // fixed: the demo is reproducible
constexpr std::int64_t kHourMs = 3600LL * 1000;
constexpr std::int64_t kMinuteMs = 60LL * 1000;

class Ids {
  public:
    explicit Ids(std::mt19937_64& rng) : rng_(rng) {}
    std::string Next(std::int64_t at_ms) {
        std::array<std::uint8_t, 10> bytes{};
        for (auto& b : bytes) {
            b = static_cast<std::uint8_t>(rng_() & 0xff);
        }
        return core::FormatUuidV7(at_ms, bytes);
    }

  private:
    std::mt19937_64& rng_;
};

struct DemoProduct {
    core::Product product;
    std::vector<core::Lot> lots;
};

core::products::Assay MakeAssay(double mitragynine, double hydroxy, double total, double lead,
                                double arsenic, double cadmium, double mercury,
                                const std::string& lab, const std::string& tested_on) {
    core::products::Assay a;
    a.mitragynine_mg_per_g = mitragynine;
    a.hydroxymitragynine_mg_per_g = hydroxy;
    a.total_alkaloids_mg_per_g = total;
    a.metals_ug_per_g.lead = lead;
    a.metals_ug_per_g.arsenic = arsenic;
    a.metals_ug_per_g.cadmium = cadmium;
    a.metals_ug_per_g.mercury = mercury;
    a.microbial["salmonella"] = core::products::TestResult::kPass;
    a.microbial["e_coli"] = core::products::TestResult::kPass;
    a.synthetic_alkaloids_detected = false;
    a.controlled_substances_detected = false;
    a.lab = lab;
    a.tested_on = tested_on;
    return a;
}

std::vector<DemoProduct> MakeProducts(Ids& ids, const std::string& org_id, const std::string& staff,
                                      std::int64_t now_ms) {
    std::vector<DemoProduct> out;
    auto product = [&](const std::string& name, const std::string& vendor, const std::string& form,
                       double serving, const std::string& unit, std::optional<double> g_per_unit,
                       std::optional<double> label_m, std::optional<double> label_oh) {
        core::Product p;
        p.id = ids.Next(now_ms);
        p.organization_id = org_id;
        p.name = name;
        p.vendor = vendor;
        p.form = form;
        p.serving_amount = serving;
        p.serving_unit = unit;
        p.grams_per_unit = g_per_unit;
        p.label_mitragynine_mg_per_g = label_m;
        p.label_hydroxymitragynine_mg_per_g = label_oh;
        if (label_m || label_oh) {
            Json label = {{"declares_synthetic_alkaloids", false},
                          {"declares_controlled_substances", false}};
            if (label_m) {
                label["mitragynine_mg_per_g"] = *label_m;
            }
            if (label_oh) {
                label["hydroxymitragynine_mg_per_g"] = *label_oh;
            }
            p.label_json = label.dump();
        }
        p.created_by = staff;
        p.created_at_ms = p.updated_at_ms = now_ms;
        out.push_back({p, {}});
        return out.size() - 1;
    };
    auto lot = [&](std::size_t index, const std::string& code, const core::products::Assay& a) {
        out[index].lots.push_back(
            api::MakeLot(ids.Next(now_ms), org_id, out[index].product.id, code, a, staff, now_ms));
    };
    const auto leaf = product("Green vein leaf powder", "Demo Botanicals", "leaf_powder", 3, "g",
                              std::nullopt, 16.0, 0.1);
    lot(leaf, "GV-2601",
        MakeAssay(17.8, 0.09, 30.2, 0.21, 0.3, 0.05, 0.02, "Demo Lab A", "2026-01-12"));
    lot(leaf, "GV-2602",
        MakeAssay(15.9, 0.11, 28.7, 0.25, 0.28, 0.06, 0.02, "Demo Lab A", "2026-03-02"));
    const auto caps = product("Red vein capsules 500 mg", "Demo Botanicals", "capsule", 4,
                              "capsule", 0.5, 14.0, 0.08);
    lot(caps, "RC-118",
        MakeAssay(13.2, 0.08, 24.1, 0.18, 0.22, 0.04, 0.01, "Demo Lab B", "2026-02-03"));
    // A "7-OH" extract tablet whose lot fails the KCPA 7-OH share: 8 / 60 mg/g = 13 % > 2 %.
    const auto tabs = product("Extract tablets", "Unknown Importer", "tablet", 1, "tablet", 0.25,
                              std::nullopt, std::nullopt);
    lot(tabs, "XT-031",
        MakeAssay(40.0, 8.0, 60.0, 0.4, 0.3, 0.1, 0.02, "Demo Lab C", "2026-02-20"));
    product("Unlabelled local leaf", "", "leaf_powder", 3, "g", std::nullopt, std::nullopt,
            std::nullopt);
    return out;
}

/// Options of each item chosen so the total approaches `target` (as a share of the maximum).
Json ResponsesNear(const core::scoring::Instrument& instrument, double share,
                   std::mt19937_64& rng) {
    std::uniform_real_distribution<double> jitter(-0.15, 0.15);
    Json responses = Json::object();
    for (const auto& item : instrument.items) {
        const double want = std::clamp(share + jitter(rng), 0.0, 1.0) * item.HighestValue();
        double best = item.LowestValue();
        if (item.IsCategorical()) {
            for (const auto& o : item.options) {
                if (std::abs(o.value - want) < std::abs(best - want)) {
                    best = o.value;
                }
            }
        } else {
            best = std::round(want);
        }
        responses[item.id] = best;
    }
    return responses;
}

enum class Pattern { kStable, kEscalation, kTaper, kCoUse, kUnlabelled };

}  // namespace

ClinicalDemoSummary AddClinicalDemo(core::UnitOfWork& uow, const std::string& org_id,
                                    const std::string& staff_user_id,
                                    const std::vector<DemoPatient>& patients, int days,
                                    std::int64_t now_ms) {
    std::mt19937_64 rng(kSeed);
    Ids ids(rng);
    ClinicalDemoSummary summary;
    const auto& catalogs = api::Catalogs();
    const auto* sows = catalogs.FindInstrument("sows-handelsman-16");
    const auto* craving = catalogs.FindInstrument("craving-nrs");
    const auto* cows = catalogs.FindInstrument("cows-11");

    const std::vector<DemoProduct> products = MakeProducts(ids, org_id, staff_user_id, now_ms);
    for (const auto& p : products) {
        uow.Products().Insert(p.product);
        ++summary.products;
        for (const auto& lot : p.lots) {
            uow.Lots().Insert(lot);
            ++summary.lots;
        }
    }
    const DemoProduct& leaf = products[0];
    const DemoProduct& caps = products[1];
    const DemoProduct& tabs = products[2];
    const DemoProduct& bare = products[3];

    // Note ids come from their own generator so that adding notes leaves every other record of
    // the demo as it was.
    std::mt19937_64 note_rng(kSeed + 1);
    Ids note_ids(note_rng);

    std::normal_distribution<double> noise(0.0, 1.0);
    std::uniform_int_distribution<int> minutes(-40, 40);

    for (std::size_t pi = 0; pi < patients.size(); ++pi) {
        const DemoPatient& who = patients[pi];
        const Pattern pattern = static_cast<Pattern>(pi % 5);
        const std::string zone = core::IsValidTimeZone(who.timezone) ? who.timezone : "UTC";
        const std::int32_t today = core::LocalDay(now_ms, zone);
        const std::int32_t first = today - days + 1;
        std::deque<double> recent;  // daily grams, last 7 days
        double level = pattern == Pattern::kCoUse ? 0.0 : 1.0;
        const double base_g = 2.5 + 0.25 * static_cast<double>(pi % 4);

        auto store_assessment = [&](const core::scoring::Instrument& instrument, double share,
                                    std::int64_t at_ms, const std::string& by,
                                    const std::string& role) {
            if (at_ms > now_ms) {
                return;
            }
            core::Assessment a;
            api::ScoreInto(a, instrument, ResponsesNear(instrument, share, rng), {});
            a.id = ids.Next(at_ms);
            a.organization_id = org_id;
            a.patient_id = who.patient_id;
            a.taken_at_ms = at_ms;
            a.administered_by = by;
            a.administered_role = role;
            a.recorded_at_ms = at_ms;
            uow.Assessments().Insert(a);
            ++summary.assessments;
        };

        if (pattern == Pattern::kCoUse) {
            core::Medication m;
            m.id = ids.Next(now_ms);
            m.organization_id = org_id;
            m.patient_id = who.patient_id;
            m.name = "Xanax 0.5 mg";
            if (auto match = core::drugs::MatchDrug(catalogs.drugs, m.name)) {
                m.drug_id = match->drug->id;
            }
            m.started_on = first + days / 3;
            m.stopped_on = first + days / 3 + std::max(7, days / 4);
            m.recorded_by = who.user_id;
            m.recorded_at_ms = m.updated_at_ms = now_ms;
            uow.Medications().Insert(m);
            ++summary.medications;
        }

        for (std::int32_t day = first; day <= today; ++day) {
            const int d = day - first;
            const double progress = days > 1 ? static_cast<double>(d) / (days - 1) : 0.0;
            // Grams per dose for this day's pattern.
            double per_dose_g = base_g;
            int doses_today = 4;
            switch (pattern) {
                case Pattern::kStable:
                    break;
                case Pattern::kEscalation:
                    per_dose_g = base_g * (0.8 + 1.2 * progress);
                    doses_today = 3 + static_cast<int>(std::round(2 * progress));
                    break;
                case Pattern::kTaper:
                    // Steps of 10 % every 7 days after the first third.
                    if (progress > 1.0 / 3) {
                        level = std::pow(0.9, std::floor((d - days / 3) / 7.0) + 1);
                    }
                    per_dose_g = base_g * level;
                    break;
                case Pattern::kCoUse:
                    per_dose_g = 6;  // capsules
                    doses_today = 3;
                    break;
                case Pattern::kUnlabelled:
                    doses_today = 3;
                    break;
            }
            const std::int64_t day_start = core::LocalDayStartMs(day, zone);
            double grams_today = 0.0;
            const double hours[] = {7.5, 12.5, 17.0, 21.5, 23.0};
            for (int k = 0; k < doses_today; ++k) {
                const std::int64_t at = day_start + static_cast<std::int64_t>(hours[k] * kHourMs) +
                                        minutes(rng) * kMinuteMs;
                if (at > now_ms) {
                    continue;
                }
                core::Dose dose;
                dose.id = ids.Next(at);
                dose.organization_id = org_id;
                dose.patient_id = who.patient_id;
                dose.taken_at_ms = at;
                std::optional<core::Product> product;
                std::optional<core::Lot> lot;
                if (pattern == Pattern::kCoUse) {
                    product = caps.product;
                    lot = caps.lots[0];
                    dose.unit = "capsule";
                    dose.amount = per_dose_g;
                } else if (pattern == Pattern::kUnlabelled) {
                    const bool tablet_day = d % 9 == 4;
                    product = tablet_day && k == 0 ? tabs.product : bare.product;
                    if (tablet_day && k == 0) {
                        lot = tabs.lots[0];
                        dose.unit = "tablet";
                        dose.amount = 2;
                    } else {
                        dose.unit = "g";
                        dose.amount =
                            std::round(std::max(0.5, per_dose_g + 0.3 * noise(rng)) * 10) / 10;
                    }
                } else {
                    product = leaf.product;
                    lot = leaf.lots[progress < 0.5 ? 0 : 1];
                    dose.unit = "g";
                    dose.amount =
                        std::round(std::max(0.3, per_dose_g + 0.25 * noise(rng)) * 10) / 10;
                }
                dose.product_id = product->id;
                if (lot) {
                    dose.lot_id = lot->id;
                }
                api::NormalizeInto(dose, product, lot, catalogs);
                dose.recorded_by = who.user_id;
                dose.recorded_at_ms = dose.updated_at_ms = at;
                uow.Doses().Insert(dose);
                ++summary.doses;
                grams_today += dose.amount_g.value_or(0.0);
            }

            // Withdrawal follows a drop below the trailing week's mean intake.
            double mean = grams_today;
            if (!recent.empty()) {
                mean = 0.0;
                for (double g : recent) {
                    mean += g;
                }
                mean /= static_cast<double>(recent.size());
            }
            recent.push_back(grams_today);
            if (recent.size() > 7) {
                recent.pop_front();
            }
            const double drop = mean > 0 ? std::max(0.0, (mean - grams_today) / mean) : 0.0;
            double withdrawal = 0.08 + 1.6 * drop + 0.03 * noise(rng);
            bool co_use_today = false;
            if (pattern == Pattern::kCoUse && d % 10 >= 7) {
                co_use_today = true;
                withdrawal += 0.15;  // episodes cluster with worse days
            }
            withdrawal = std::clamp(withdrawal, 0.0, 0.9);
            store_assessment(*sows, withdrawal, day_start + 20 * kHourMs, who.user_id, "patient");
            store_assessment(*craving, std::clamp(withdrawal * 1.3, 0.0, 1.0),
                             day_start + 9 * kHourMs, who.user_id, "patient");
            store_assessment(*craving, std::clamp(withdrawal * 1.2, 0.0, 1.0),
                             day_start + 19 * kHourMs, who.user_id, "patient");
            if (d % 7 == 3) {
                store_assessment(*cows, std::clamp(withdrawal * 0.8, 0.0, 1.0),
                                 day_start + 10 * kHourMs, who.clinician_id, "clinician");
            }
            if (co_use_today) {
                static const char* kClasses[] = {"alcohol", "benzodiazepine", "opioid"};
                static const char* kSubstances[] = {"beer", "alprazolam", "oxycodone"};
                static const char* kUnits[] = {"drinks", "mg", "mg"};
                static const double kAmounts[] = {3, 0.5, 10};
                const int c = (d / 10) % 3;
                const std::int64_t at = day_start + 22 * kHourMs;
                if (at <= now_ms) {
                    core::SubstanceUse u;
                    u.id = ids.Next(at);
                    u.organization_id = org_id;
                    u.patient_id = who.patient_id;
                    u.taken_at_ms = at;
                    u.substance_class = kClasses[c];
                    u.substance = kSubstances[c];
                    u.amount = kAmounts[c];
                    u.unit = kUnits[c];
                    u.recorded_by = who.user_id;
                    u.recorded_at_ms = at;
                    uow.SubstanceUses().Insert(u);
                    ++summary.substance_uses;
                }
            }
            if (pattern == Pattern::kUnlabelled && d % 9 == 4 && d < 30) {
                const std::int64_t at = day_start + 10 * kHourMs;
                if (at <= now_ms) {
                    core::AdverseEvent e;
                    e.id = ids.Next(at);
                    e.organization_id = org_id;
                    e.patient_id = who.patient_id;
                    e.onset_at_ms = at;
                    e.description = "Nausea and dizziness about an hour after the extract tablets";
                    e.terms_json = Json::array({"nausea", "dizziness"}).dump();
                    e.serious = false;
                    e.lot_id = tabs.lots[0].id;
                    e.recorded_by = who.user_id;
                    e.recorded_at_ms = at;
                    uow.AdverseEvents().Insert(e);
                    ++summary.adverse_events;
                }
            }
        }
        // Clinicians' notes: visit logistics only, no clinical findings. The taper patient's
        // second note shows an amendment (the first one stays).
        auto add_note = [&](std::int32_t day, const char* text,
                            const std::optional<std::string>& amends)
            -> std::optional<std::string> {
            const std::int64_t at = core::LocalDayStartMs(day, zone) + 11 * kHourMs;
            if (who.clinician_id.empty() || day < first || at > now_ms) {
                return std::nullopt;
            }
            core::ClinicalNote note;
            note.id = note_ids.Next(at);
            note.organization_id = org_id;
            note.patient_id = who.patient_id;
            note.author_id = who.clinician_id;
            note.text = text;
            note.amends_id = amends;
            note.created_at_ms = at;
            uow.Notes().Insert(note);
            ++summary.notes;
            return note.id;
        };
        const std::int32_t visit = first + days / 2;
        switch (pattern) {
            case Pattern::kTaper: {
                auto first_note = add_note(visit,
                                           "Went through the taper schedule together and how to "
                                           "log each dose on the phone. Next check-in on "
                                           "Wednesday.",
                                           std::nullopt);
                if (first_note) {
                    add_note(visit + 2,
                             "Correction to the earlier note: the next check-in is on Thursday, "
                             "not Wednesday.",
                             first_note);
                }
                break;
            }
            case Pattern::kCoUse:
                add_note(visit,
                         "Asked about other substances since the last visit; the patient's "
                         "entries are in the substance-use log. Agreed to keep logging them.",
                         std::nullopt);
                break;
            case Pattern::kEscalation:
                add_note(visit,
                         "Reviewed the recent dose entries with the patient. Agreed to record the "
                         "product with every dose.",
                         std::nullopt);
                break;
            default:
                break;
        }

        core::AuditEntry entry;
        entry.organization_id = org_id;
        entry.at_ms = now_ms;
        entry.actor_user_id = who.user_id;
        entry.action = "demo.clinical_seed";
        entry.subject_type = "patient";
        entry.subject_id = who.patient_id;
        entry.patient_id = who.patient_id;
        uow.Audit().Append(entry);
    }
    return summary;
}

}  // namespace mitra::app
