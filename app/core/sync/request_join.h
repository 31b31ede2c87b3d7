#pragma once
// Waiting for several requests sent in parallel (device lists, bundles of several users).
#include "protocol/result.h"

#include <functional>

namespace tidings::client {

//! Counts down parallel requests; the first error wins, `done` runs exactly once.
struct RequestJoin {
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

} // namespace tidings::client
