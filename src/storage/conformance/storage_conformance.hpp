#pragma once
// The storage conformance suite: behaviour every backend must show, written once.
// A backend instantiates it with a factory that returns a fresh, migrated, empty database:
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StorageConformanceTest, testing::Values(&MakeSqlite));

#include <cstddef>
#include <functional>
#include <memory>

#include <gtest/gtest.h>

#include "core/ports.hpp"

namespace mitra::storage {

using StorageFactory = std::unique_ptr<core::Storage> (*)();

class StorageConformanceTest : public testing::TestWithParam<StorageFactory> {
protected:
    void SetUp() override { storage_ = GetParam()(); }
    std::unique_ptr<core::Storage> storage_;
};

/// The database's only organization's chain holds `count` entries, seq 1..count, each linked to
/// the one before and hashed as `audit verify` checks, and its head names the last.
void ExpectOneUnbrokenChain(core::Storage& storage, std::size_t count);

}  // namespace mitra::storage
