#include "protocol/codec.h"

#include "protocol/limits.h"

#include <google/protobuf/stubs/logging.h>

#include <limits>

namespace tidings {

namespace protocol {

namespace {

Error bad(const char *what) {
    return Error{ErrorCode::BadFrame, QString::fromLatin1(what)};
}
Error tooLarge(const char *what) {
    return Error{ErrorCode::TooLarge, QString::fromLatin1(what)};
}

bool isPrintableAscii(const std::string &s) {
    for (unsigned char c : s) {
        if (c < 0x21 || c > 0x7e)
            return false;
    }
    return true;
}

Status validateUsernameField(const std::string &name) {
    if (name.size() > size_t(limits::kMaxUsernameLength) * 4)
        return tooLarge("username too long");
    if (!isValidUsername(normalizeUsername(QString::fromStdString(name))))
        return Error{ErrorCode::InvalidUsername,
                     QStringLiteral("usernames are 3-32 characters: a letter, then letters, "
                                    "digits, '_', '.' or '-'")};
    return {};
}

Status validatePassword(const std::string &pw, bool registering) {
    if (pw.size() > size_t(limits::kMaxPasswordBytes))
        return tooLarge("password longer than 1024 bytes");
    if (registering && pw.size() < size_t(limits::kMinPasswordBytes))
        return Error{ErrorCode::WeakPassword, QStringLiteral("passwords need at least 8 bytes")};
    if (pw.empty())
        return bad("empty password");
    return {};
}

Status validateDeviceName(const std::string &name) {
    if (name.size() > size_t(limits::kMaxDeviceNameBytes))
        return tooLarge("device name longer than 64 bytes");
    return {};
}

Status validateGroupName(const std::string &name) {
    if (name.size() > size_t(limits::kMaxGroupNameBytes))
        return tooLarge("group name longer than 64 bytes");
    if (QString::fromStdString(name).trimmed().isEmpty())
        return bad("group name missing");
    return {};
}

//! Ids and seqs are stored in PostgreSQL bigints: one above 2^63 - 1 would make the database
//! refuse the whole group-commit batch it shares with other users' requests, so it is refused
//! here, alone. `required`: 0 (not set) is refused too.
Status validateId(quint64 value, const char *what, bool required = true) {
    if (required && value == 0)
        return Error{ErrorCode::BadFrame, QStringLiteral("%1 missing").arg(QLatin1String(what))};
    if (value > quint64(std::numeric_limits<qint64>::max()))
        return Error{ErrorCode::BadFrame,
                     QStringLiteral("%1 out of range").arg(QLatin1String(what))};
    return {};
}

Status validateConversationSeq(quint64 conversation, quint64 seq) {
    if (auto s = validateId(conversation, "conversation_id"); !s)
        return s;
    return validateId(seq, "seq");
}

Status validateKey(const std::string &key, const char *what) {
    if (key.size() != size_t(limits::kPublicKeyBytes))
        return Error{ErrorCode::BadFrame,
                     QStringLiteral("%1 must be 32 bytes").arg(QLatin1String(what))};
    return {};
}

Status validateSignature(const std::string &sig, const char *what) {
    if (sig.size() != size_t(limits::kSignatureBytes))
        return Error{ErrorCode::BadFrame,
                     QStringLiteral("%1 must be 64 bytes").arg(QLatin1String(what))};
    return {};
}

//! 64 lower-case hex digits: one spelling per blob, so the server's records match.
bool isBlobId(const std::string &id) {
    if (id.size() != size_t(limits::kBlobIdHexChars))
        return false;
    for (char c : id) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

Status validateSend(const wire::SendRequest &s) {
    if (auto st = validateId(s.conversation_id(), "conversation_id"); !st)
        return st;
    if (s.client_message_id().empty())
        return bad("client_message_id missing");
    if (s.client_message_id().size() > size_t(limits::kMaxClientMessageIdBytes))
        return tooLarge("client_message_id longer than 64 bytes");
    if (!isPrintableAscii(s.client_message_id()))
        return bad("client_message_id must be printable ASCII");
    if (s.payload().size() > limits::kMaxPayloadBytes)
        return tooLarge("payload larger than 64 KiB");
    if (s.envelopes_size() > limits::kMaxEnvelopesPerSend)
        return tooLarge("more than 256 envelopes");
    if (s.payload().empty() && s.envelopes_size() == 0)
        return bad("empty payload");
    if (!s.device_digest().empty() && s.device_digest().size() != 32)
        return bad("device_digest must be 32 bytes");
    if (s.envelopes_size() > 0 && s.device_digest().empty())
        return bad("envelopes need a device_digest");
    if (s.attachment_blob_ids_size() > limits::kMaxAttachmentsPerSend)
        return tooLarge("more than 32 attachments");
    for (const auto &id : s.attachment_blob_ids()) {
        if (!isBlobId(id))
            return bad("attachment blob ids are 64 lower-case hex digits");
    }
    for (const auto &e : s.envelopes()) {
        if (e.user_id() == 0 || e.device_id() == 0)
            return bad("envelope without user or device");
        if (auto st = validateId(e.user_id(), "envelope user_id"); !st)
            return st;
        if (auto st = validateId(e.device_id(), "envelope device_id"); !st)
            return st;
        if (e.payload().empty())
            return bad("empty envelope");
        if (e.payload().size() > limits::kMaxPayloadBytes)
            return tooLarge("envelope larger than 64 KiB");
    }
    return {};
}

Status validateUploadKeys(const wire::UploadKeysRequest &u) {
    if (auto s = validateKey(u.signing_key(), "signing_key"); !s)
        return s;
    if (auto s = validateKey(u.identity_key(), "identity_key"); !s)
        return s;
    if (auto s = validateKey(u.account_key(), "account_key"); !s)
        return s;
    if (auto s = validateSignature(u.binding_signature(), "binding_signature"); !s)
        return s;
    if (u.has_signed_prekey()) {
        if (auto s = validateKey(u.signed_prekey().public_key(), "signed prekey"); !s)
            return s;
        if (auto s = validateSignature(u.signed_prekey().signature(), "signed prekey signature");
            !s)
            return s;
    }
    if (u.one_time_prekeys_size() > limits::kMaxOneTimePrekeysPerUpload)
        return tooLarge("more than 100 one-time prekeys");
    for (const auto &k : u.one_time_prekeys())
        if (auto s = validateKey(k.public_key(), "one-time prekey"); !s)
            return s;
    return {};
}

} // namespace

bool isValidUsername(QStringView u) {
    if (u.size() < limits::kMinUsernameLength || u.size() > limits::kMaxUsernameLength)
        return false;
    if (!(u[0] >= u'a' && u[0] <= u'z'))
        return false;
    for (QChar c : u) {
        const bool ok = (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9') || c == u'_' ||
                        c == u'.' || c == u'-';
        if (!ok)
            return false;
    }
    return true;
}

QString normalizeUsername(QStringView username) {
    return username.trimmed().toString().toLower();
}

Status validateClientFrame(const Frame &f) {
    switch (f.body_case()) {
    case Frame::kRegisterRequest: {
        const auto &r = f.register_request();
        if (auto s = validateUsernameField(r.username()); !s)
            return s;
        if (auto s = validatePassword(r.password(), true); !s)
            return s;
        if (auto s = validateDeviceName(r.device_name()); !s)
            return s;
        if (r.display_name().size() > size_t(limits::kMaxDisplayNameBytes))
            return tooLarge("display name longer than 64 bytes");
        if (r.invite_code().size() > size_t(limits::kMaxInviteCodeBytes))
            return tooLarge("invite code longer than 64 bytes");
        return {};
    }
    case Frame::kLoginRequest: {
        const auto &r = f.login_request();
        if (r.username().empty() || r.username().size() > size_t(limits::kMaxUsernameLength) * 4)
            return bad("username missing or too long");
        if (auto s = validatePassword(r.password(), false); !s)
            return s;
        return validateDeviceName(r.device_name());
    }
    case Frame::kAuthRequest:
        if (f.auth_request().device_token().size() != size_t(limits::kDeviceTokenBytes))
            return Error{ErrorCode::BadToken, QStringLiteral("device token must be 32 bytes")};
        return {};
    case Frame::kPing:
        return {};
    case Frame::kOpenDirectRequest:
        return validateUsernameField(f.open_direct_request().username());
    case Frame::kSendRequest:
        return validateSend(f.send_request());
    case Frame::kDeliveryAck:
        return validateConversationSeq(f.delivery_ack().conversation_id(), f.delivery_ack().seq());
    case Frame::kReadAck:
        return validateConversationSeq(f.read_ack().conversation_id(), f.read_ack().seq());
    case Frame::kHistoryRequest: {
        const auto &h = f.history_request();
        if (auto s = validateId(h.conversation_id(), "conversation_id"); !s)
            return s;
        if (auto s = validateId(h.after_seq(), "after_seq", false); !s)
            return s;
        if (auto s = validateId(h.until_seq(), "until_seq", false); !s)
            return s;
        if (h.limit() > limits::kMaxHistoryLimit)
            return tooLarge("history limit above 500");
        if (h.until_seq() != 0 && h.until_seq() <= h.after_seq())
            return bad("until_seq must be above after_seq");
        return {};
    }
    case Frame::kCreateGroupRequest: {
        const auto &g = f.create_group_request();
        if (auto s = validateGroupName(g.name()); !s)
            return s;
        if (g.usernames_size() > limits::kMaxGroupMembers - 1)
            return Error{ErrorCode::GroupFull, QStringLiteral("a group holds at most 500 members")};
        if (g.signed_genesis().size() > size_t(limits::kMaxGroupChangeBytes))
            return tooLarge("signed group genesis above 32 KiB");
        for (const auto &u : g.usernames())
            if (auto s = validateUsernameField(u); !s)
                return s;
        return {};
    }
    case Frame::kGroupChangeRequest: {
        const auto &g = f.group_change_request();
        if (auto s = validateId(g.conversation_id(), "conversation_id"); !s)
            return s;
        if (g.signed_change().size() > size_t(limits::kMaxGroupChangeBytes))
            return tooLarge("signed group change above 32 KiB");
        switch (g.action()) {
        case wire::GroupChangeRequest::ACTION_LEAVE:
            return {};
        case wire::GroupChangeRequest::ACTION_RENAME:
            return validateGroupName(g.name());
        case wire::GroupChangeRequest::ACTION_SET_KEY:
            if (g.signed_change().empty())
                return bad("a key change is signed or nothing");
            return {};
        case wire::GroupChangeRequest::ACTION_ADD:
        case wire::GroupChangeRequest::ACTION_REMOVE:
        case wire::GroupChangeRequest::ACTION_PROMOTE:
        case wire::GroupChangeRequest::ACTION_DEMOTE:
            return validateUsernameField(g.username());
        default:
            return bad("unknown group action");
        }
    }
    case Frame::kGroupInfoRequest:
        return validateId(f.group_info_request().conversation_id(), "conversation_id");
    case Frame::kGroupLogRequest:
        if (f.group_log_request().limit() > quint32(limits::kMaxGroupLogPage))
            return tooLarge("at most 64 group changes a page");
        return validateId(f.group_log_request().conversation_id(), "conversation_id");
    case Frame::kReadersRequest:
        return validateConversationSeq(f.readers_request().conversation_id(),
                                       f.readers_request().seq());
    case Frame::kDevicesRequest:
    case Frame::kContactsRequest:
        return {};
    case Frame::kRevokeDeviceRequest:
        return validateId(f.revoke_device_request().device_id(), "device_id");
    case Frame::kChangePasswordRequest: {
        const auto &r = f.change_password_request();
        if (auto s = validatePassword(r.old_password(), false); !s)
            return s;
        return validatePassword(r.new_password(), true);
    }
    case Frame::kPresenceSubscribeRequest: {
        const auto &p = f.presence_subscribe_request();
        if (p.usernames_size() > limits::kMaxPresenceSubscriptions)
            return tooLarge("at most 100 presence subscriptions");
        for (const auto &u : p.usernames())
            if (auto s = validateUsernameField(u); !s)
                return s;
        return {};
    }
    case Frame::kSetPrivacyRequest:
        return wire::Visibility_IsValid(f.set_privacy_request().last_seen())
                   ? Status()
                   : bad("unknown visibility");
    case Frame::kTypingRequest:
        return validateId(f.typing_request().conversation_id(), "conversation_id");
    case Frame::kContactRequest:
        if (!wire::ContactRequest::Action_IsValid(f.contact_request().action()))
            return bad("unknown contact action");
        return validateUsernameField(f.contact_request().username());
    case Frame::kSetProfileRequest:
        if (f.set_profile_request().display_name().size() > size_t(limits::kMaxDisplayNameBytes))
            return tooLarge("display name longer than 64 bytes");
        return {};
    case Frame::kProfilesRequest:
        if (f.profiles_request().usernames_size() > limits::kMaxPresenceSubscriptions)
            return tooLarge("at most 100 profiles per request");
        for (const auto &u : f.profiles_request().usernames())
            if (auto s = validateUsernameField(u); !s)
                return s;
        return {};
    case Frame::kUploadKeysRequest:
        return validateUploadKeys(f.upload_keys_request());
    case Frame::kPublishDeviceListRequest: {
        const auto &p = f.publish_device_list_request();
        if (p.signed_list().size() > limits::kMaxSignedDeviceListBytes)
            return tooLarge("device list larger than 4 KiB");
        if (p.signed_list().empty())
            return bad("signed_list missing");
        if (p.succession().size() > limits::kMaxSuccessionBytes)
            return tooLarge("key succession larger than 8 KiB");
        if (p.handoffs_size() > limits::kMaxDevicesPerUser)
            return tooLarge("more handoffs than a user can have devices");
        for (const auto &h : p.handoffs()) {
            if (auto s = validateId(h.device_id(), "handoff device_id"); !s)
                return s;
            if (h.blob().empty() || h.blob().size() > limits::kMaxLinkBlobBytes)
                return bad("handoff blob missing or larger than 4 KiB");
        }
        if (p.password().size() > size_t(limits::kMaxPasswordBytes))
            return tooLarge("password too long");
        return validateKey(p.account_key(), "account_key");
    }
    case Frame::kDeviceListRequest: {
        const auto &d = f.device_list_request();
        if (!d.known_account_key().empty())
            if (auto s = validateKey(d.known_account_key(), "known_account_key"); !s)
                return s;
        return validateId(d.user_id(), "user_id");
    }
    case Frame::kAccountKeyRequest:
        return {};
    case Frame::kRecoverAccountRequest: {
        const auto &r = f.recover_account_request();
        if (r.signed_list().empty() || r.signed_list().size() > limits::kMaxSignedDeviceListBytes)
            return bad("signed_list missing or larger than 4 KiB");
        if (r.succession().empty() || r.succession().size() > limits::kMaxSuccessionBytes)
            return bad("succession missing or larger than 8 KiB");
        if (!r.has_keys() || !r.keys().has_signed_prekey())
            return bad("a recovery needs this device's keys with a signed prekey");
        if (auto s = validateUploadKeys(r.keys()); !s)
            return s;
        return validateKey(r.account_key(), "account_key");
    }
    case Frame::kFetchBundlesRequest: {
        const auto &b = f.fetch_bundles_request();
        if (auto s = validateId(b.user_id(), "user_id"); !s)
            return s;
        if (!b.known_account_key().empty())
            if (auto s = validateKey(b.known_account_key(), "known_account_key"); !s)
                return s;
        if (b.device_ids_size() > limits::kMaxDevicesPerUser)
            return tooLarge("more device ids than a user can have");
        for (quint64 id : b.device_ids())
            if (auto s = validateId(id, "device id", false); !s)
                return s;
        return {};
    }
    case Frame::kMediaTokenRequest:
        return {};
    case Frame::kLinkRelayRequest: {
        const auto &l = f.link_relay_request();
        if (auto s = validateId(l.device_id(), "device_id"); !s)
            return s;
        if (l.blob().empty())
            return bad("empty blob");
        if (l.blob().size() > limits::kMaxLinkBlobBytes)
            return tooLarge("link blob larger than 4 KiB");
        return {};
    }
    case Frame::BODY_NOT_SET:
        return Error{ErrorCode::UnknownFrame,
                     QStringLiteral("frame type not known to this server")};
    default:
        return Error{ErrorCode::UnknownFrame, QStringLiteral("not a client request")};
    }
}

Result<Frame> decodeClientFrame(QByteArrayView bytes) {
    if (size_t(bytes.size()) > limits::kMaxClientFrameBytes)
        return tooLarge("frame larger than 96 KiB");
    Frame f;
    if (!f.ParseFromArray(bytes.data(), int(bytes.size())))
        return bad("undecodable frame");
    if (auto s = validateClientFrame(f); !s)
        return s.error();
    return f;
}

Result<Frame> decodeServerFrame(QByteArrayView bytes) {
    if (size_t(bytes.size()) > limits::kMaxServerFrameBytes)
        return tooLarge("frame larger than 4 MiB");
    Frame f;
    if (!f.ParseFromArray(bytes.data(), int(bytes.size())))
        return bad("undecodable frame");
    switch (f.body_case()) {
    case Frame::kError:
    case Frame::kOk:
    case Frame::kLoginResponse:
    case Frame::kPong:
        break;
    case Frame::kAuthResponse: {
        const auto &renewed = f.auth_response().renewed_token();
        if (!renewed.empty() && renewed.size() != size_t(limits::kDeviceTokenBytes))
            return bad("a renewed device token must be 32 bytes");
        break;
    }
    case Frame::kConversationInfo:
        if (f.conversation_info().members_size() > limits::kMaxGroupMembers)
            return tooLarge("too many members");
        if (!f.conversation_info().group_uid().empty() &&
            f.conversation_info().group_uid().size() != 16)
            return bad("a group id is 16 bytes");
        break;
    case Frame::kSendAck:
    case Frame::kInboxDrained:
    case Frame::kReceiptPush:
    case Frame::kReadersResponse:
    case Frame::kDevicesResponse:
    case Frame::kPresenceResponse:
    case Frame::kPresencePush:
    case Frame::kTypingPush:
    case Frame::kContactsResponse:
    case Frame::kProfilesResponse:
    case Frame::kKeysResponse:
    case Frame::kDeviceListResponse:
        if (f.device_list_response().successions_size() > limits::kMaxSuccessions)
            return tooLarge("too many key successions");
        break;
    case Frame::kBundlesResponse:
        if (f.bundles_response().device_list().successions_size() > limits::kMaxSuccessions)
            return tooLarge("too many key successions");
        break;
    case Frame::kAccountKeyPush:
        if (f.account_key_push().successions_size() > limits::kMaxSuccessions)
            return tooLarge("too many key successions");
        break;
    case Frame::kRecoverAccountResponse:
    case Frame::kLinkRelayPush:
        break;
    case Frame::kMediaTokenResponse: {
        const auto &m = f.media_token_response();
        if (m.token().size() > limits::kMaxMediaTokenBytes)
            return tooLarge("media token longer than 512 bytes");
        if (m.token().empty() || !isPrintableAscii(m.token()))
            return bad("media token missing or not printable ASCII");
        if (m.chunk_bytes() == 0)
            return bad("media chunk size missing");
        break;
    }
    case Frame::kMessagePush:
        if (f.message_push().messages_size() > limits::kMaxMessagesPerPush)
            return tooLarge("too many messages in one push");
        for (const auto &m : f.message_push().messages()) {
            if (m.conversation_id() == 0 || m.seq() == 0)
                return bad("message without conversation or seq");
            if (m.payload().size() > limits::kMaxPayloadBytes ||
                m.envelope().size() > limits::kMaxPayloadBytes)
                return tooLarge("payload larger than 64 KiB");
            if (m.system_event().signed_change().size() > size_t(limits::kMaxGroupChangeBytes))
                return tooLarge("signed group change above 32 KiB");
        }
        break;
    case Frame::kHistoryResponse:
        if (f.history_response().messages_size() > int(limits::kMaxHistoryLimit))
            return tooLarge("too many messages in one history page");
        for (const auto &m : f.history_response().messages()) {
            if (m.conversation_id() == 0 || m.seq() == 0)
                return bad("message without conversation or seq");
            if (m.payload().size() > limits::kMaxPayloadBytes ||
                m.envelope().size() > limits::kMaxPayloadBytes)
                return tooLarge("payload larger than 64 KiB");
            if (m.system_event().signed_change().size() > size_t(limits::kMaxGroupChangeBytes))
                return tooLarge("signed group change above 32 KiB");
        }
        break;
    case Frame::kGroupLogResponse: {
        const auto &l = f.group_log_response();
        if (l.changes_size() > limits::kMaxGroupLogPage)
            return tooLarge("too many group changes in one page");
        for (const auto &c : l.changes())
            if (c.size() > size_t(limits::kMaxGroupChangeBytes))
                return tooLarge("signed group change above 32 KiB");
        break;
    }
    default:
        return Error{ErrorCode::UnknownFrame, QStringLiteral("not a server frame")};
    }
    return f;
}

void discardProtobufLogs() {
    google::protobuf::SetLogHandler(nullptr);
}

QByteArray encodeFrame(const Frame &frame) {
    QByteArray out(qsizetype(frame.ByteSizeLong()), Qt::Uninitialized);
    frame.SerializeToArray(out.data(), int(out.size()));
    return out;
}

Frame makeError(quint64 requestId, ErrorCode code, const QString &detail, quint32 retryAfterMs) {
    Frame f;
    f.set_request_id(requestId);
    auto *e = f.mutable_error();
    e->set_code(toWire(code));
    e->set_detail(detail.toStdString());
    e->set_retry_after_ms(retryAfterMs);
    return f;
}

wire::ErrorCode toWire(ErrorCode code) {
    const int v = int(code);
    if (v >= 0 && v <= int(wire::ErrorCode_MAX))
        return wire::ErrorCode(v);
    return wire::ERROR_INTERNAL;
}

ErrorCode fromWire(wire::ErrorCode code) {
    const int v = int(code);
    if (v > 0 && v <= int(wire::ErrorCode_MAX))
        return ErrorCode(v);
    return ErrorCode::Internal;
}

Error errorFromFrame(const Frame &frame) {
    const auto &e = frame.error();
    Error error{fromWire(e.code()), QString::fromStdString(e.detail()), e.retry_after_ms(), {}};
    if (e.has_stale()) {
        const std::string stale = e.stale().SerializeAsString();
        error.staleDevices = QByteArray(stale.data(), qsizetype(stale.size()));
    }
    return error;
}

} // namespace protocol
} // namespace tidings
