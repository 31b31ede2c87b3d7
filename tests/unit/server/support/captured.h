#pragma once
// Reply callbacks for service tests that keep what they were answered.
#include "core/caller.h"

#include <QTest>

#include <memory>
#include <optional>

namespace tidings::server::test {

template <typename T> struct Captured {
    std::shared_ptr<std::optional<Result<T>>> result = std::make_shared<std::optional<Result<T>>>();
    std::shared_ptr<int> calls = std::make_shared<int>(0);

    Reply<T> reply() {
        return [r = result, c = calls](Result<T> v) {
            ++*c;
            r->emplace(std::move(v));
        };
    }
    bool answered() const { return result->has_value(); }
    bool ok() const { return answered() && (*result)->ok(); }
    const T &value() const { return ***result; }
    ErrorCode code() const {
        return answered() && !(*result)->ok() ? (*result)->error().code : ErrorCode::None;
    }
    const Error &error() const { return (*result)->error(); }
};

struct CapturedStatus {
    std::shared_ptr<std::optional<Status>> result = std::make_shared<std::optional<Status>>();
    std::shared_ptr<int> calls = std::make_shared<int>(0);

    StatusReply reply() {
        return [r = result, c = calls](Status s) {
            ++*c;
            r->emplace(std::move(s));
        };
    }
    bool answered() const { return result->has_value(); }
    bool ok() const { return answered() && (*result)->ok(); }
    ErrorCode code() const {
        return answered() && !(*result)->ok() ? (*result)->error().code : ErrorCode::None;
    }
};

} // namespace tidings::server::test
