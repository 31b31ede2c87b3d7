#pragma once
// Protobuf messages → the plain values of records.h / client_types.h, in one place.
#include "core/client_types.h"
#include "core/net/frame_sink.h"

namespace tidings::client {

ConversationInfo conversationInfoFromWire(const wire::ConversationInfo &info);
MemberRecord memberFromWire(const wire::Member &member);
SystemEvent systemEventFromWire(const wire::SystemEvent &event);
PresenceInfo presenceFromWire(const wire::Presence &presence);
DeviceInfo deviceFromWire(const wire::Device &device);
ContactInfo contactFromWire(const wire::Contact &contact);

} // namespace tidings::client
