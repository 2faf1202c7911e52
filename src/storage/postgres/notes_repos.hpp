#pragma once
// PostgreSQL implementation of the clinical notes port, for the unit of work.

#include <memory>

#include "core/notes_ports.hpp"

namespace mitra::storage::postgres {

class Connection;

class NotesRepos {
public:
    explicit NotesRepos(Connection& connection);
    ~NotesRepos();
    NotesRepos(const NotesRepos&) = delete;
    NotesRepos& operator=(const NotesRepos&) = delete;

    core::NoteRepository& Notes();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mitra::storage::postgres
