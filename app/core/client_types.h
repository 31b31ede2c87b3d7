#pragma once
// Plain values the Client hands to its users (CLI, desktop models) for groups, devices, presence,
// typing and contacts. No protobuf types leak past the Client: widgets never see a frame.
#include "core/store/records.h"

#include <QList>
#include <QMetaType>
#include <QString>

#include <optional>

namespace tidings::client {

//! SetKey: record my own new account key in a group with signed state (Groups::recordOwnKey).
enum class GroupAction { Add, Remove, Promote, Demote, Leave, Rename, SetKey };
enum class ContactAction { Add, Remove, Block, Unblock };
//! Who may see my last seen and online state.
enum class Visibility { Everyone = 0, Contacts = 1, Nobody = 2 };

//! "everyone", "contacts", "nobody".
const char *visibilityName(Visibility v);
std::optional<Visibility> visibilityFromName(const QString &name);

//! "read by 3 of 5".
struct ReadersInfo {
    quint64 conversationId = 0;
    quint64 seq = 0;
    int recipients = 0; //!< members other than the sender
    int delivered = 0;
    int read = 0;
    QList<MemberRecord> members; //!< the cursors of every other member
};

struct DeviceInfo {
    quint64 deviceId = 0;
    QString name;
    qint64 createdMs = 0;
    qint64 lastSeenMs = 0;
    bool current = false; //!< the device asking
    bool online = false;
    //! Short hex of the device's signing key from my verified device list; empty when the device
    //! is not in it (not linked, or revoked).
    QString fingerprint;
};

//! A user's chosen name (empty: show the username).
struct ProfileInfo {
    quint64 userId = 0;
    QString username;
    QString displayName;
};

//! What two users compare to verify each other's account keys.
struct SafetyNumberInfo {
    quint64 userId = 0;
    QString username;
    QString digits;       //!< 60 digits in groups of five
    QByteArray qrPayload; //!< version ‖ my fingerprint ‖ theirs
    bool verified = false;
    bool identityChanged = false; //!< changed since last acknowledged
};

struct PresenceInfo {
    quint64 userId = 0;
    QString username;
    bool visible = false; //!< false: privacy, reciprocity or blocking hides it
    bool online = false;
    qint64 lastSeenMs = 0; //!< 0: unknown or hidden
};

struct ContactInfo {
    quint64 userId = 0;
    QString username;
    bool contact = false;
    bool blocked = false;
};

struct ContactsInfo {
    QList<ContactInfo> contacts;
    Visibility lastSeen = Visibility::Everyone; //!< my own privacy setting
};

//! Someone started or stopped typing in a conversation (stopped also when it expired locally).
struct TypingEvent {
    quint64 conversationId = 0;
    quint64 userId = 0;
    QString username;
    bool typing = false;
};

} // namespace tidings::client

Q_DECLARE_METATYPE(tidings::client::PresenceInfo)
Q_DECLARE_METATYPE(tidings::client::TypingEvent)
Q_DECLARE_METATYPE(tidings::client::ConversationInfo)
