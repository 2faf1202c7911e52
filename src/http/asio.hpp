#pragma once
// The one place mitra includes Boost.Asio and Boost.Beast (Boost 1.74).
//
// - <utility> must come first: Boost 1.74's awaitable.hpp uses std::exchange without including
//   it, and libstdc++ 12 no longer pulls it in (chriskohlhoff/asio#944, Debian bug 1036545).
// - clang + libstdc++ needs BOOST_ASIO_HAS_CO_AWAIT=1; mitra_options defines it for Clang.
// - mitra_http defines BOOST_ASIO_SEPARATE_COMPILATION and BOOST_BEAST_SEPARATE_COMPILATION
//   (PUBLIC), and asio_impl.cpp compiles the library code once. A target that includes this
//   header without linking mitra_http (bench/http/hello_server) gets header-only Asio instead.
//
// Only src/http/*.cpp and bench/http include this header; Asio types never appear in headers
// other layers include.

#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace mitra::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;  // `http` is taken by this namespace
using tcp = net::ip::tcp;

}  // namespace mitra::http
