// The ceiling for bench/http: the least a Boost.Beast C++20-coroutine server can do per request.
// One I/O thread, keep-alive, every request answered with 200 {"ok":true}; no routing, no worker
// pool, no logging. Built in the same tree and with the same compiler flags as mitra, so
// "mitra rps / hello rps" isolates what mitra's own layers cost.
//
// Usage: mitra_bench_hello_server [PORT]   (0 or absent: a free port). Prints
// "listening on http://127.0.0.1:PORT" and serves until SIGINT/SIGTERM.
//
// Header-only Asio/Beast (it does not link mitra_http), so it stays independent of mitra's code.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "http/asio.hpp"

namespace {

using namespace mitra::http;  // net, beast, bhttp, tcp

net::awaitable<void> Session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    beast::error_code ec;
    for (;;) {
        bhttp::request<bhttp::string_body> request;
        stream.expires_after(std::chrono::seconds(30));
        co_await bhttp::async_read(stream, buffer, request,
                                   net::redirect_error(net::use_awaitable, ec));
        if (ec) {
            break;
        }
        bhttp::response<bhttp::string_body> response{bhttp::status::ok, request.version()};
        response.set(bhttp::field::server, "hello");
        response.set(bhttp::field::content_type, "application/json");
        response.keep_alive(request.keep_alive());
        response.body() = R"({"ok":true})";
        response.prepare_payload();
        co_await bhttp::async_write(stream, response, net::redirect_error(net::use_awaitable, ec));
        if (ec || !response.keep_alive()) {
            break;
        }
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

void LogError(std::exception_ptr error) {
    if (!error) {
        return;
    }
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "hello_server: %s\n", e.what());
    }
}

net::awaitable<void> Accept(tcp::acceptor& acceptor) {
    for (;;) {
        beast::error_code ec;
        tcp::socket socket =
            co_await acceptor.async_accept(net::redirect_error(net::use_awaitable, ec));
        if (ec) {
            if (!acceptor.is_open()) {
                co_return;
            }
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        net::co_spawn(acceptor.get_executor(), Session(std::move(socket)), LogError);
    }
}

}  // namespace

int main(int argc, char** argv) {
    const auto port = static_cast<unsigned short>(argc > 1 ? std::atoi(argv[1]) : 0);
    net::io_context ioc{1};
    tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    std::printf("listening on http://127.0.0.1:%u\n",
                static_cast<unsigned>(acceptor.local_endpoint().port()));
    std::fflush(stdout);
    net::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const beast::error_code&, int) { ioc.stop(); });
    net::co_spawn(ioc, Accept(acceptor), LogError);
    ioc.run();
    return 0;
}
