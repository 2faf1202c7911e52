#include "core/supervision.hpp"

namespace mitra::core {

const char* ToString(AlertStatus status) noexcept {
    switch (status) {
        case AlertStatus::kOpen:
            return "open";
        case AlertStatus::kAcknowledged:
            return "acknowledged";
        case AlertStatus::kResolved:
            return "resolved";
    }
    return "open";
}

std::optional<AlertStatus> ParseAlertStatus(std::string_view text) {
    for (AlertStatus s : {AlertStatus::kOpen, AlertStatus::kAcknowledged, AlertStatus::kResolved}) {
        if (text == ToString(s)) {
            return s;
        }
    }
    return std::nullopt;
}

const char* ToString(TaperPlanStatus status) noexcept {
    switch (status) {
        case TaperPlanStatus::kDraft:
            return "draft";
        case TaperPlanStatus::kApproved:
            return "approved";
        case TaperPlanStatus::kActive:
            return "active";
        case TaperPlanStatus::kCompleted:
            return "completed";
        case TaperPlanStatus::kStopped:
            return "stopped";
    }
    return "draft";
}

std::optional<TaperPlanStatus> ParseTaperPlanStatus(std::string_view text) {
    for (TaperPlanStatus s : {TaperPlanStatus::kDraft, TaperPlanStatus::kApproved,
                              TaperPlanStatus::kActive, TaperPlanStatus::kCompleted,
                              TaperPlanStatus::kStopped}) {
        if (text == ToString(s)) {
            return s;
        }
    }
    return std::nullopt;
}

}  // namespace mitra::core
