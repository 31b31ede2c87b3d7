#pragma once
// What a service pushes to devices: one of the wire push bodies. Plain serializable values (never
// a frame or a connection), so a router can carry them to another node over a message bus.
#include "proto/tidings.pb.h"

#include <variant>

namespace tidings::server {

//! KeysResponse is the "refill your one-time prekeys" push; AccountKeyPush hands a device its
//! user's new account key.
using Push = std::variant<wire::Message, wire::ReceiptPush, wire::TypingPush, wire::PresencePush,
                          wire::KeysResponse, wire::LinkRelayPush, wire::AccountKeyPush>;

} // namespace tidings::server
