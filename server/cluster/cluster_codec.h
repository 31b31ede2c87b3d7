#pragma once
// Pushes in and out of the bus's ClusterPush (shared/proto/tidings.proto): the same wire bodies a
// client receives, so a node delivers exactly what the sending node would have.
#include "protocol/result.h"
#include "routing/push.h"

#include <optional>

namespace tidings::server {

void toCluster(const Push &push, wire::ClusterPush *out);
//! The push a ClusterPush carries; nothing for a disconnect, a drain, or no body at all.
std::optional<Push> pushFromCluster(const wire::ClusterPush &in);

void toCluster(const Error &error, wire::Error *out);
Error errorFromCluster(const wire::Error &in);

} // namespace tidings::server
