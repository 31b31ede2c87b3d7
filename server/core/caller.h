#pragma once
// What a service is told about who is asking, and how it answers. Services never see the
// connection a request came in on: the gateway turns a frame into a call with a Caller and plain
// values, and holds the reply callback that encodes the answer for wherever that device is
// connected.
#include "protocol/result.h"

#include <QString>

#include <functional>

namespace tidings::server {

//! The authenticated device a request comes from.
struct Caller {
    quint64 userId = 0;
    quint64 deviceId = 0;
    QString username;
};

//! Completes a request with a value or a typed error. Called exactly once.
template <typename T> using Reply = std::function<void(Result<T>)>;
//! Completes a request that answers Ok or a typed error. Called exactly once.
using StatusReply = std::function<void(Status)>;

} // namespace tidings::server
