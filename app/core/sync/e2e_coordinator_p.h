#pragma once
// Helpers shared by e2e_coordinator.cpp (sending) and e2e_coordinator_receive.cpp.
#include "protocol/result.h"

#include <QString>
#include <QUuid>

#include <functional>

namespace tidings::client::detail {

//! Counts down parallel requests; the first error wins, `done` runs exactly once.
struct Join {
    int pending = 0;
    bool failed = false;
    std::function<void(Status)> done;
    void finish(const Status &s) {
        if (failed)
            return;
        if (!s) {
            failed = true;
            done(s);
            return;
        }
        if (--pending == 0)
            done({});
    }
};

inline QString newControlId(const char *prefix) {
    return QLatin1String(prefix) + QUuid::createUuid().toString(QUuid::WithoutBraces);
}

} // namespace tidings::client::detail
