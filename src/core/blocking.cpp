#include "core/blocking.hpp"

namespace mitra::core {
namespace {

thread_local BlockingScope::Listener* t_listener = nullptr;
thread_local int t_depth = 0;  // open scopes on this thread: nested ones tell nobody

}  // namespace

BlockingScope::BlockingScope() noexcept {
    if (t_depth++ == 0 && t_listener != nullptr) {
        told_ = t_listener;
        told_->OnBlockingEnter();
    }
}

BlockingScope::~BlockingScope() {
    --t_depth;
    if (told_ != nullptr) {
        told_->OnBlockingExit();
    }
}

void BlockingScope::SetListenerForThisThread(Listener* listener) noexcept { t_listener = listener; }

}  // namespace mitra::core
