#include "api/router.hpp"

namespace mitra::api {
namespace {

std::vector<std::string> Split(const std::string& path) {
    std::vector<std::string> parts;
    std::size_t start = 1;
    while (start <= path.size()) {
        const std::size_t end = path.find('/', start);
        parts.push_back(path.substr(start, end == std::string::npos ? std::string::npos
                                                                    : end - start));
        if (end == std::string::npos) {
            break;
        }
        start = end + 1;
    }
    return parts;
}

bool MatchPattern(const std::string& pattern, const std::vector<std::string>& parts,
                  std::map<std::string, std::string>& params) {
    const std::vector<std::string> pattern_parts = Split(pattern);
    if (pattern_parts.size() != parts.size()) {
        return false;
    }
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string& p = pattern_parts[i];
        if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
            if (parts[i].empty()) {
                return false;
            }
            params[p.substr(1, p.size() - 2)] = parts[i];
        } else if (p != parts[i]) {
            return false;
        }
    }
    return true;
}

}  // namespace

void Router::Add(Route route) { routes_.push_back(std::move(route)); }

RouteMatch Router::Match(const std::string& method, const std::string& path) const {
    RouteMatch result;
    if (path.empty() || path.front() != '/') {
        return result;
    }
    const std::vector<std::string> parts = Split(path);
    for (const Route& route : routes_) {
        std::map<std::string, std::string> params;
        if (!MatchPattern(route.pattern, parts, params)) {
            continue;
        }
        if (route.method == method || (method == "HEAD" && route.method == "GET")) {
            result.route = &route;
            result.params = std::move(params);
            return result;
        }
        result.allowed_methods.push_back(route.method);
    }
    return result;
}

}  // namespace mitra::api
