#include "api/router.hpp"

#include <string_view>

namespace mitra::api {
namespace {

/// Splits "/a/b/c" into {"a", "b", "c"} ("/" gives one empty segment), as views into `path`.
template <typename Out>
void SplitInto(std::string_view path, Out& parts) {
    std::size_t start = 1;
    while (start <= path.size()) {
        const std::size_t end = path.find('/', start);
        parts.push_back(path.substr(start, end == std::string_view::npos ? std::string_view::npos
                                                                         : end - start));
        if (end == std::string_view::npos) {
            break;
        }
        start = end + 1;
    }
}

}  // namespace

void Router::Add(Route route) {
    std::vector<std::string_view> parts;
    SplitInto(std::string_view(route.pattern), parts);
    std::vector<Segment> segments;
    segments.reserve(parts.size());
    for (const std::string_view p : parts) {
        if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
            segments.push_back({std::string(p.substr(1, p.size() - 2)), true});
        } else {
            segments.push_back({std::string(p), false});
        }
    }
    routes_.push_back(std::move(route));
    segments_.push_back(std::move(segments));
}

RouteMatch Router::Match(const std::string& method, const std::string& path) const {
    RouteMatch result;
    if (path.empty() || path.front() != '/') {
        return result;
    }
    std::vector<std::string_view> parts;
    parts.reserve(8);
    SplitInto(std::string_view(path), parts);
    for (std::size_t r = 0; r < routes_.size(); ++r) {
        const std::vector<Segment>& segments = segments_[r];
        if (segments.size() != parts.size()) {
            continue;
        }
        bool matched = true;
        for (std::size_t i = 0; i < parts.size() && matched; ++i) {
            matched = segments[i].param ? !parts[i].empty() : segments[i].text == parts[i];
        }
        if (!matched) {
            continue;
        }
        const Route& route = routes_[r];
        if (route.method == method || (method == "HEAD" && route.method == "GET")) {
            result.route = &route;
            for (std::size_t i = 0; i < parts.size(); ++i) {
                if (segments[i].param) {
                    result.params.emplace(segments[i].text, std::string(parts[i]));
                }
            }
            return result;
        }
        result.allowed_methods.push_back(route.method);
    }
    return result;
}

void Router::MarkWritesFacts(const std::string& method, const std::string& pattern) {
    for (auto& route : routes_) {
        if (route.method == method && route.pattern == pattern) {
            route.writes_facts = true;
            return;
        }
    }
    throw std::logic_error("no route " + method + " " + pattern + " to mark as writing facts");
}

}  // namespace mitra::api
