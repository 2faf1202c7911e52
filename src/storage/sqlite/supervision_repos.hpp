#pragma once
// SQLite implementations of the supervision ports (alerts, taper plans), bundled for the unit
// of work.

#include <memory>

#include "core/supervision_ports.hpp"

namespace mitra::storage::sqlite {

class Connection;

class SupervisionRepos {
public:
    explicit SupervisionRepos(Connection& connection);
    ~SupervisionRepos();
    SupervisionRepos(const SupervisionRepos&) = delete;
    SupervisionRepos& operator=(const SupervisionRepos&) = delete;

    core::AlertRepository& Alerts();
    core::TaperPlanRepository& TaperPlans();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mitra::storage::sqlite
