#include "core/sync/wire_convert.h"

#include "protocol/codec.h"

namespace tidings::client {

const char *visibilityName(Visibility v) {
    switch (v) {
    case Visibility::Everyone:
        return "everyone";
    case Visibility::Contacts:
        return "contacts";
    case Visibility::Nobody:
        return "nobody";
    }
    return "everyone";
}

std::optional<Visibility> visibilityFromName(const QString &name) {
    for (Visibility v : {Visibility::Everyone, Visibility::Contacts, Visibility::Nobody}) {
        if (name.compare(QLatin1String(visibilityName(v)), Qt::CaseInsensitive) == 0)
            return v;
    }
    return std::nullopt;
}

MemberRecord memberFromWire(const wire::Member &m) {
    MemberRecord r;
    r.userId = m.user_id();
    r.username = protocol::fromStd(m.username());
    r.role = m.role() == wire::ROLE_ADMIN ? MemberRole::Admin : MemberRole::Member;
    r.deliveredSeq = m.delivered_seq();
    r.readSeq = m.read_seq();
    r.displayName = protocol::fromStd(m.display_name());
    return r;
}

ConversationInfo conversationInfoFromWire(const wire::ConversationInfo &ci) {
    ConversationInfo info;
    info.id = ci.conversation_id();
    info.kind =
        ci.kind() == wire::CONVERSATION_GROUP ? ConversationKind::Group : ConversationKind::Direct;
    info.name = protocol::fromStd(ci.name());
    info.peerUserId = ci.peer_user_id();
    info.peerUsername = protocol::fromStd(ci.peer_username());
    info.peerDisplayName = protocol::fromStd(ci.peer_display_name());
    info.lastSeq = ci.last_seq();
    info.groupStateVersion = ci.group_state_version();
    info.members.reserve(ci.members_size());
    for (const auto &m : ci.members())
        info.members.append(memberFromWire(m));
    return info;
}

SystemEvent systemEventFromWire(const wire::SystemEvent &e) {
    SystemEvent out;
    const int kind = int(e.kind());
    out.kind = kind >= 0 && kind <= int(SystemEventKind::MemberKeyChanged)
                   ? SystemEventKind(kind)
                   : SystemEventKind::Created;
    out.actorUserId = e.actor_user_id();
    out.actorUsername = protocol::fromStd(e.actor_username());
    out.targetUserId = e.target_user_id();
    out.targetUsername = protocol::fromStd(e.target_username());
    out.name = protocol::fromStd(e.name());
    return out;
}

PresenceInfo presenceFromWire(const wire::Presence &p) {
    PresenceInfo out;
    out.userId = p.user_id();
    out.username = protocol::fromStd(p.username());
    out.visible = p.visible();
    out.online = p.visible() && p.online();
    out.lastSeenMs = p.visible() ? p.last_seen_ms() : 0;
    return out;
}

DeviceInfo deviceFromWire(const wire::Device &d) {
    DeviceInfo out;
    out.deviceId = d.device_id();
    out.name = protocol::fromStd(d.name());
    out.createdMs = d.created_ms();
    out.lastSeenMs = d.last_seen_ms();
    out.current = d.current();
    out.online = d.online();
    return out;
}

ContactInfo contactFromWire(const wire::Contact &c) {
    ContactInfo out;
    out.userId = c.user_id();
    out.username = protocol::fromStd(c.username());
    out.contact = c.contact();
    out.blocked = c.blocked();
    return out;
}

} // namespace tidings::client
