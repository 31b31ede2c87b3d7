#pragma once
// Plain values the stores hand out. No Qt Sql types leak past app/core/store.
#include "core/media/media_types.h"

#include <QList>
#include <QMetaType>
#include <QString>

#include <optional>
#include <utility>

namespace tidings::client {

struct AccountSettings {
    QString serverUrl;
    quint64 userId = 0;
    quint64 deviceId = 0;
    QString username;
    //! My own profile name (AuthResponse.display_name / set_profile); empty when unset.
    QString displayName;
    //! The user allowed ws:// (no TLS) to this server although it is another machine
    //! (core/net/server_url.h).
    bool allowInsecure = false;
    //! The SHA-256 fingerprint (AB:CD:…) of the server's TLS certificate the user trusted
    //! although no authority signed it (trust on first use); empty: authorities only.
    QString serverCertificate = {};
};

//! Unknown: seen in a push before the server told us what it is (a group_info request follows).
enum class ConversationKind { Unknown = 0, Direct = 1, Group = 2 };
enum class MemberRole { Member = 0, Admin = 1 };
const char *memberRoleName(MemberRole role);

struct ConversationRecord {
    quint64 id = 0;
    ConversationKind kind = ConversationKind::Unknown;
    QString name;           //!< groups
    quint64 peerUserId = 0; //!< 1:1 only
    QString peerUsername;
    //! 1:1 only: the peer's display name (setDisplayName), empty when unknown.
    QString displayName;
    //! Every seq <= this is either stored here or known to be unavailable to this device.
    quint64 lastContiguousSeq = 0;
    quint64 peerDeliveredSeq = 0;
    quint64 peerReadSeq = 0;
    quint64 myReadSeq = 0;
    //! Groups: the lowest cursors over all members (two ticks / blue for my messages).
    quint64 allDeliveredSeq = 0;
    quint64 allReadSeq = 0;
    //! False once I left or was removed from the group (history stays readable).
    bool isMember = true;
    bool isGroup() const { return kind == ConversationKind::Group; }
    //! What a chat list shows: the group name, else the peer's display name, else username.
    QString title() const {
        if (isGroup())
            return name;
        return displayName.isEmpty() ? peerUsername : displayName;
    }
};

struct MemberRecord {
    quint64 userId = 0;
    QString username;
    MemberRole role = MemberRole::Member;
    quint64 deliveredSeq = 0;
    quint64 readSeq = 0;
    //! The member's display name (setDisplayName / Member.display_name), empty when unknown.
    QString displayName;
};

//! When a member's cursors first covered one message (message info).
struct ReceiptTime {
    quint64 userId = 0;
    QString username;
    qint64 deliveredAtMs = 0; //!< 0: not delivered yet, or the time is unknown
    qint64 readAtMs = 0;
    QString displayName;
};

//! What the server says about a conversation (create_group, group_info, open_direct).
struct ConversationInfo {
    quint64 id = 0;
    ConversationKind kind = ConversationKind::Unknown;
    QString name;
    quint64 peerUserId = 0;
    QString peerUsername;
    QString peerDisplayName; //!< ConversationInfo.peer_display_name; empty leaves it unchanged
    quint64 lastSeq = 0;
    QList<MemberRecord> members;
    //! Groups: the version of the group's signed log on the server (0: none yet).
    quint64 groupStateVersion = 0;
};

//! A group change stored by the server as an ordered message (empty payload).
enum class SystemEventKind {
    Created = 0,
    MemberAdded = 1,
    MemberRemoved = 2,
    MemberLeft = 3,
    Renamed = 4,
    AdminGranted = 5,
    AdminRevoked = 6,
    //! `target` (the actor) recorded its new account key in the group (a signed SET_KEY).
    MemberKeyChanged = 7,
    //! This device's own notice, never from the server: the account key of `target` changed
    //! (SecurityNoticeStore).
    SecurityCodeChanged = 100,
    //! This device's own notice: the server counts `target` as a member of the group, but no
    //! admin signed them in, so they get no keys (issue 12, signed group state).
    UnverifiedMember = 101,
    //! This device's own notice: `target`'s messages carry another history of the group's
    //! member list than this device verified (a server showing members different lists).
    GroupForked = 102,
    //! This device's own notices: `target`'s account key changed, vouched for by their old key
    //! (a device of theirs was removed) or by their recovery key (they recovered the account).
    KeySucceeded = 103,
    KeyRecovered = 104,
};
//! "created", "member_added", "member_removed", "member_left", "renamed", "admin_granted",
//! "admin_revoked", "member_key_changed", "security_code_changed", ...
const char *systemEventName(SystemEventKind kind);

//! What this device made of a group event against the group's signed state (issue 12;
//! docs/design/group-state.md §3.1). Stored with the event (messages.event_state).
enum class EventCheck {
    Unsigned = 0, //!< a group without signed state: the server's word, as before
    Verified = 1, //!< signed by an admin and applied, or what a verified change implies
    Pending = 2,  //!< signed, waiting for the changes before it
    Refused = 3,  //!< forged, not signed in a signed group, or against the rules: ignored
    Replayed = 4, //!< an earlier change sent again: ignored
};

struct SystemEvent {
    SystemEventKind kind = SystemEventKind::Created;
    EventCheck check = EventCheck::Unsigned;
    QString refusal;         //!< why it was refused, in words (Refused only)
    quint64 actorUserId = 0; //!< 0: the server (e.g. the last admin left)
    QString actorUsername;
    quint64 targetUserId = 0;
    QString targetUsername;
    QString name; //!< created, renamed
};

//! One file, photo, video or voice note of a message, as the app shows it (the key and the
//! server's names for it stay in the store and the Media module).
struct AttachmentRecord {
    enum class Kind { File, Image, Video, Audio, Voice };
    Kind kind = Kind::File;
    QString fileName; //!< safe display name (safeFileName on send AND receive)
    QString mimeType;
    quint64 size = 0;          //!< plaintext bytes
    int width = 0, height = 0; //!< images/videos, after EXIF orientation
    qint64 durationMs = 0;     //!< video/audio/voice
    QByteArray thumbnail;      //!< tiny inline JPEG (shown blurred): no download needed
    QByteArray waveform;       //!< voice/audio peaks 0..255
    QString blobId;            //!< empty until uploaded (outgoing)
    QString localPath;         //!< decrypted file on this device; empty until downloaded
    enum class Transfer { None, Queued, Running, Paused, Failed, Cancelled, Done };
    Transfer transfer = Transfer::None;
    quint64 transferredBytes = 0; //!< progress of the running upload/download
    QString transferError;        //!< words for the user when Failed
};
const char *attachmentKindName(AttachmentRecord::Kind kind);
const char *transferStateName(AttachmentRecord::Transfer state);

enum class MessageState { Pending, Stored, Delivered, Read, Received, Failed };
const char *messageStateName(MessageState state);

struct MessageRecord {
    qint64 rowId = 0;
    QString clientMessageId;
    quint64 conversationId = 0;
    quint64 seq = 0; //!< 0 while pending (NULL in SQLite)
    quint64 senderUserId = 0;
    quint64 senderDeviceId = 0;
    QString senderUsername;
    QString text;
    qint64 sentAtMs = 0;
    qint64 serverTimeMs = 0;
    qint64 receivedAtMs = 0;
    bool outgoing = false; //!< sent from this device
    bool failed = false;   //!< the server refused it for good
    //! Stored for ordering but its envelope could not be decrypted: text is empty and the UI
    //! shows "This message could not be decrypted" (replaceUndecryptable fills it in later).
    bool undecryptable = false;
    //! Also undecryptable: its body was bound to another conversation or message (the server
    //! moved it); the UI says it was altered, and it is never asked for again.
    bool tampered = false;
    std::optional<SystemEvent> event; //!< set for group system events (text is empty)
    //! Files of the message (text is the caption), in the order the sender attached them.
    QList<AttachmentRecord> attachments;
};

//! My messages: pending → stored → delivered → read by comparing seq with the peer's cursors
//! (in a group: with the lowest cursors over all members). Everyone else's messages are Received.
MessageState deriveState(const MessageRecord &message, const ConversationRecord &conversation,
                         quint64 myUserId);

//! A message composed on this device, written to messages + outbox in one transaction.
struct OutgoingDraft {
    QString clientMessageId;
    quint64 conversationId = 0;
    QString text;
    qint64 sentAtMs = 0;
    QByteArray payload; //!< what goes on the wire (encoded by payload_codec)
};

struct OutboxEntry {
    QString clientMessageId;
    quint64 conversationId = 0;
    QByteArray payload;
    qint64 createdAtMs = 0;
};

struct SendAckRecord {
    QString clientMessageId;
    quint64 conversationId = 0;
    quint64 seq = 0;
    qint64 serverTimeMs = 0;
    bool duplicate = false;
};

//! A message from the server (push or history), payload already decoded.
struct IncomingMessage {
    quint64 conversationId = 0;
    quint64 seq = 0;
    quint64 senderUserId = 0;
    quint64 senderDeviceId = 0;
    QString senderUsername;
    QString clientMessageId;
    qint64 serverTimeMs = 0;
    QString text;
    qint64 sentAtMs = 0;
    std::optional<SystemEvent> event;
    //! E2E: the envelope could not be decrypted. Stored (it counts for seq contiguity), released
    //! and shown as a placeholder; text is ignored.
    bool undecryptable = false;
    //! E2E: the body was bound to another conversation, sender or message (a server moved it).
    //! Stored as undecryptable under its own id ("tampered:<conversation>:<seq>"), so that the
    //! genuine copy, under the real client id, is still stored when it comes.
    bool tampered = false;
    //! E2E control message (sender-key distribution, resend request, a send addressed only to
    //! other devices): stored for seq contiguity, never shown, never unread, never notified.
    bool hidden = false;
    //! The attachment pointers of the message, validated (payload_codec).
    QList<media::AttachmentDescriptor> attachments;
    //! Pointers that failed validation: each is stored as an attachment in error.
    int invalidAttachments = 0;
};

//! What one storing transaction changed in one conversation.
struct ConversationAdvance {
    quint64 conversationId = 0;
    quint64 previousContiguousSeq = 0;
    quint64 lastContiguousSeq = 0;
    int inserted = 0;     //!< new rows (held or contiguous)
    int duplicates = 0;   //!< already stored (seq <= last or same (conversation, seq))
    bool hasHeld = false; //!< rows above lastContiguousSeq remain: there is a hole
    //! Messages of others that became contiguous, in seq order: deliver these to the app.
    QList<MessageRecord> released;
    //! Client ids of my pending messages that this batch proved stored (seen in a push/history).
    QList<std::pair<QString, quint64>> confirmedOwn; //!< (client message id, seq)
    //! The conversation's kind is not known yet: ask the server (group_info_request).
    bool unknownKind = false;
    //! Released system events changed the group's name, members or my membership.
    bool groupChanged = false;
};

//! What one receipt_push changed locally.
//! One member's cursors in a conversation, as a receipt push or a history page carries them.
struct ReceiptCursor {
    quint64 userId = 0;
    quint64 deliveredSeq = 0;
    quint64 readSeq = 0;
    quint64 allDeliveredSeq = 0;
    quint64 allReadSeq = 0;
};

struct ReceiptEffect {
    bool ticksChanged = false;  //!< the cursors my messages' ticks derive from moved
    bool myReadChanged = false; //!< my other device read: the unread count changed
};

//! A gap below held messages: seqs in (afterSeq, untilSeq] are missing.
struct Hole {
    quint64 conversationId = 0;
    quint64 afterSeq = 0;
    quint64 untilSeq = 0;
};

} // namespace tidings::client

Q_DECLARE_METATYPE(tidings::client::AttachmentRecord)
