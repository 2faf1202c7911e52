#include "core/blocking.hpp"

#include <thread>

#include <gtest/gtest.h>

namespace mitra::core {
namespace {

class CountingListener : public BlockingScope::Listener {
public:
    virtual ~CountingListener() = default;
    void OnBlockingEnter() noexcept override { ++enters; }
    void OnBlockingExit() noexcept override { ++exits; }
    int enters = 0;
    int exits = 0;
};

TEST(BlockingScope, TellsTheThreadsListenerOnceForNestedScopes) {
    CountingListener listener;
    BlockingScope::SetListenerForThisThread(&listener);
    {
        const BlockingScope outer;
        EXPECT_EQ(listener.enters, 1);
        {
            const BlockingScope inner;
            EXPECT_EQ(listener.enters, 1);
        }
        EXPECT_EQ(listener.exits, 0);
    }
    EXPECT_EQ(listener.exits, 1);
    { const BlockingScope again; }
    EXPECT_EQ(listener.enters, 2);
    EXPECT_EQ(listener.exits, 2);
    BlockingScope::SetListenerForThisThread(nullptr);
    { const BlockingScope unheard; }
    EXPECT_EQ(listener.enters, 2);
}

TEST(BlockingScope, OtherThreadsAreNotHeard) {
    CountingListener listener;
    BlockingScope::SetListenerForThisThread(&listener);
    std::thread([] { const BlockingScope elsewhere; }).join();
    EXPECT_EQ(listener.enters, 0);
    BlockingScope::SetListenerForThisThread(nullptr);
}

TEST(BlockingScope, AScopeOpenWhenTheListenerChangesEndsWithTheOneItTold) {
    CountingListener first;
    CountingListener second;
    BlockingScope::SetListenerForThisThread(&first);
    {
        const BlockingScope scope;
        BlockingScope::SetListenerForThisThread(&second);
    }
    EXPECT_EQ(first.exits, 1);
    EXPECT_EQ(second.exits, 0);
    { const BlockingScope scope; }
    EXPECT_EQ(second.enters, 1);
    EXPECT_EQ(second.exits, 1);
    BlockingScope::SetListenerForThisThread(nullptr);
}

}  // namespace
}  // namespace mitra::core
