#include "core/store/records.h"

namespace tidings::client {

const char *messageStateName(MessageState state) {
    switch (state) {
    case MessageState::Pending:
        return "pending";
    case MessageState::Stored:
        return "stored";
    case MessageState::Delivered:
        return "delivered";
    case MessageState::Read:
        return "read";
    case MessageState::Received:
        return "received";
    case MessageState::Failed:
        return "failed";
    }
    return "unknown";
}

const char *attachmentKindName(AttachmentRecord::Kind kind) {
    switch (kind) {
    case AttachmentRecord::Kind::File:
        return "file";
    case AttachmentRecord::Kind::Image:
        return "image";
    case AttachmentRecord::Kind::Video:
        return "video";
    case AttachmentRecord::Kind::Audio:
        return "audio";
    case AttachmentRecord::Kind::Voice:
        return "voice";
    }
    return "file";
}

const char *transferStateName(AttachmentRecord::Transfer state) {
    using T = AttachmentRecord::Transfer;
    switch (state) {
    case T::None:
        return "none";
    case T::Queued:
        return "queued";
    case T::Running:
        return "running";
    case T::Paused:
        return "paused";
    case T::Failed:
        return "failed";
    case T::Cancelled:
        return "cancelled";
    case T::Done:
        return "done";
    }
    return "none";
}

const char *memberRoleName(MemberRole role) {
    return role == MemberRole::Admin ? "admin" : "member";
}

const char *systemEventName(SystemEventKind kind) {
    switch (kind) {
    case SystemEventKind::Created:
        return "created";
    case SystemEventKind::MemberAdded:
        return "member_added";
    case SystemEventKind::MemberRemoved:
        return "member_removed";
    case SystemEventKind::MemberLeft:
        return "member_left";
    case SystemEventKind::Renamed:
        return "renamed";
    case SystemEventKind::AdminGranted:
        return "admin_granted";
    case SystemEventKind::AdminRevoked:
        return "admin_revoked";
    case SystemEventKind::MemberKeyChanged:
        return "member_key_changed";
    case SystemEventKind::SecurityCodeChanged:
        return "security_code_changed";
    case SystemEventKind::UnverifiedMember:
        return "unverified_member";
    case SystemEventKind::GroupForked:
        return "group_forked";
    case SystemEventKind::KeySucceeded:
        return "security_code_handed_on";
    case SystemEventKind::KeyRecovered:
        return "security_code_recovered";
    }
    return "unknown";
}

MessageState deriveState(const MessageRecord &m, const ConversationRecord &c, quint64 myUserId) {
    if (m.event || (!m.outgoing && m.senderUserId != myUserId))
        return MessageState::Received;
    if (m.failed)
        return MessageState::Failed;
    if (m.seq == 0)
        return MessageState::Pending;
    // A group's ticks need every member; a 1:1's the peer.
    const quint64 readSeq = c.isGroup() ? c.allReadSeq : c.peerReadSeq;
    const quint64 deliveredSeq = c.isGroup() ? c.allDeliveredSeq : c.peerDeliveredSeq;
    if (m.seq <= readSeq)
        return MessageState::Read;
    if (m.seq <= deliveredSeq)
        return MessageState::Delivered;
    return MessageState::Stored;
}

} // namespace tidings::client
