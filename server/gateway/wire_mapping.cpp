#include "gateway/wire_mapping.h"

#include "protocol/codec.h"

namespace tidings::server::mapping {

namespace {

QString text(const std::string &s) {
    return QString::fromStdString(s);
}

QByteArray bytes(const std::string &s) {
    return QByteArray::fromStdString(s);
}

std::string toStd(const QByteArray &b) {
    return b.toStdString();
}

std::string toStd(const QString &s) {
    return s.toStdString();
}

void toWire(const MemberInfo &m, wire::Member *out) {
    out->set_user_id(m.userId);
    out->set_username(toStd(m.username));
    out->set_role(m.role == MemberRole::Admin ? wire::ROLE_ADMIN : wire::ROLE_MEMBER);
    out->set_delivered_seq(m.deliveredSeq);
    out->set_read_seq(m.readSeq);
    out->set_display_name(toStd(m.displayName));
}

} // namespace

NewAccount fromWire(const wire::RegisterRequest &req) {
    return NewAccount{text(req.username()), bytes(req.password()), text(req.device_name()),
                      text(req.display_name()), text(req.invite_code())};
}

Credentials fromWire(const wire::LoginRequest &req) {
    return Credentials{text(req.username()), bytes(req.password()), text(req.device_name())};
}

OutgoingMessage fromWire(const wire::SendRequest &req) {
    OutgoingMessage m;
    m.conversationId = req.conversation_id();
    m.clientMessageId = bytes(req.client_message_id());
    m.payload = bytes(req.payload());
    m.deviceDigest = bytes(req.device_digest());
    m.envelopes.reserve(std::size_t(req.envelopes_size()));
    for (const auto &e : req.envelopes())
        m.envelopes.push_back(Envelope{e.user_id(), e.device_id(), bytes(e.payload())});
    m.attachmentBlobIds.reserve(std::size_t(req.attachment_blob_ids_size()));
    for (const auto &id : req.attachment_blob_ids())
        m.attachmentBlobIds.push_back(bytes(id));
    return m;
}

HistoryQuery fromWire(const wire::HistoryRequest &req) {
    return HistoryQuery{req.conversation_id(), req.after_seq(), req.until_seq(), req.limit()};
}

GroupChange fromWire(const wire::GroupChangeRequest &req) {
    return GroupChange{req.conversation_id(), GroupAction(int(req.action())), text(req.username()),
                       text(req.name()), bytes(req.signed_change())};
}

KeyUpload fromWire(const wire::UploadKeysRequest &req) {
    KeyUpload k;
    k.signingKey = bytes(req.signing_key());
    k.identityKey = bytes(req.identity_key());
    k.accountKey = bytes(req.account_key());
    k.bindingSignature = bytes(req.binding_signature());
    if (req.has_signed_prekey()) {
        const auto &spk = req.signed_prekey();
        k.signedPreKey =
            SignedPreKey{spk.key_id(), bytes(spk.public_key()), bytes(spk.signature())};
    }
    for (const auto &o : req.one_time_prekeys())
        k.oneTimePreKeys.push_back(OneTimePreKey{o.key_id(), bytes(o.public_key())});
    return k;
}

QStringList usernames(const google::protobuf::RepeatedPtrField<std::string> &names) {
    QStringList out;
    out.reserve(names.size());
    for (const auto &n : names)
        out << text(n);
    return out;
}

void toWire(const SendAck &ack, wire::SendAck *out) {
    out->set_conversation_id(ack.conversationId);
    out->set_client_message_id(toStd(ack.clientMessageId));
    out->set_seq(ack.seq);
    out->set_server_time_ms(ack.serverTimeMs);
    out->set_duplicate(ack.duplicate);
}

void toWire(const HistoryPage &page, wire::HistoryResponse *out) {
    out->mutable_messages()->Reserve(int(page.messages.size()));
    for (const auto &m : page.messages)
        *out->add_messages() = m;
    out->set_has_more(page.hasMore);
    for (const auto &c : page.cursors) {
        auto *cur = out->add_cursors();
        cur->set_conversation_id(c.conversationId);
        cur->set_user_id(c.userId);
        cur->set_delivered_seq(c.deliveredSeq);
        cur->set_read_seq(c.readSeq);
    }
}

void toWire(const ConversationInfo &info, wire::ConversationInfo *out) {
    out->set_conversation_id(info.conversationId);
    out->set_kind(info.group ? wire::CONVERSATION_GROUP : wire::CONVERSATION_DIRECT);
    out->set_name(toStd(info.name));
    out->set_last_seq(info.lastSeq);
    for (const auto &m : info.members)
        toWire(m, out->add_members());
    out->set_peer_user_id(info.peerUserId);
    out->set_peer_username(toStd(info.peerUsername));
    out->set_peer_display_name(toStd(info.peerDisplayName));
    out->set_group_state_version(info.stateVersion);
    if (!info.groupUid.isEmpty())
        out->set_group_uid(info.groupUid.constData(), size_t(info.groupUid.size()));
}

void toWire(const Readers &readers, wire::ReadersResponse *out) {
    for (const auto &m : readers.members)
        toWire(m, out->add_members());
    out->set_recipients(readers.recipients);
    out->set_delivered(readers.delivered);
    out->set_read(readers.read);
}

void toWire(const GroupLog &log, wire::GroupLogResponse *out) {
    out->set_conversation_id(log.conversationId);
    for (const QByteArray &c : log.changes)
        out->add_changes(c.constData(), size_t(c.size()));
    out->set_head_version(log.headVersion);
    out->set_has_more(log.hasMore);
}

void toWire(const std::vector<DeviceInfo> &devices, wire::DevicesResponse *out) {
    for (const auto &d : devices) {
        auto *w = out->add_devices();
        w->set_device_id(d.deviceId);
        w->set_name(toStd(d.name));
        w->set_created_ms(d.createdMs);
        w->set_last_seen_ms(d.lastSeenMs);
        w->set_current(d.current);
        w->set_online(d.online);
    }
}

void toWire(const std::vector<PresenceState> &states, wire::PresenceResponse *out) {
    for (const auto &s : states) {
        auto *p = out->add_presences();
        p->set_user_id(s.userId);
        p->set_username(toStd(s.username));
        p->set_visible(s.visible);
        p->set_online(s.online);
        p->set_last_seen_ms(s.lastSeenMs);
    }
}

void toWire(const ContactList &contacts, wire::ContactsResponse *out) {
    out->set_last_seen(wire::Visibility(int(contacts.lastSeen)));
    for (const auto &c : contacts.entries) {
        auto *x = out->add_contacts();
        x->set_user_id(c.userId);
        x->set_username(toStd(c.username));
        x->set_contact(c.contact);
        x->set_blocked(c.blocked);
    }
}

void toWire(const std::vector<Profile> &profiles, wire::ProfilesResponse *out) {
    for (const auto &p : profiles) {
        auto *w = out->add_profiles();
        w->set_user_id(p.userId);
        w->set_username(toStd(p.username));
        w->set_display_name(toStd(p.displayName));
    }
}

void toWire(const KeyStock &stock, wire::KeysResponse *out) {
    out->set_one_time_prekeys(stock.oneTimePreKeys);
    out->set_refill(stock.refill);
}

void toWire(const SignedDeviceList &list, wire::DeviceListResponse *out) {
    out->set_user_id(list.userId);
    out->set_signed_list(toStd(list.signedList));
    out->set_account_key(toStd(list.accountKey));
    for (const QByteArray &s : list.successions)
        out->add_successions(toStd(s));
}

void toWire(const AccountKeyHandoff &handoff, wire::AccountKeyPush *out) {
    for (const QByteArray &s : handoff.successions)
        out->add_successions(toStd(s));
    out->set_handoff(toStd(handoff.blob));
}

ListPublication fromWire(const wire::PublishDeviceListRequest &req) {
    ListPublication out;
    out.signedList = QByteArray::fromStdString(req.signed_list());
    out.accountKey = QByteArray::fromStdString(req.account_key());
    out.succession = QByteArray::fromStdString(req.succession());
    for (const auto &h : req.handoffs())
        out.handoffs.emplace_back(h.device_id(), QByteArray::fromStdString(h.blob()));
    return out;
}

AccountRecovery fromWire(const wire::RecoverAccountRequest &req) {
    AccountRecovery out;
    out.keys = fromWire(req.keys());
    out.succession = QByteArray::fromStdString(req.succession());
    out.signedList = QByteArray::fromStdString(req.signed_list());
    out.accountKey = QByteArray::fromStdString(req.account_key());
    return out;
}

void toWire(const MediaToken &token, wire::MediaTokenResponse *out) {
    out->set_token(toStd(token.token));
    out->set_expires_at_ms(token.expiresAtMs);
    out->set_max_file_bytes(token.maxFileBytes);
    out->set_chunk_bytes(token.chunkBytes);
    out->set_quota_bytes(token.quotaBytes);
    out->set_used_bytes(token.usedBytes);
}

void toWire(const Bundles &bundles, wire::BundlesResponse *out) {
    for (const auto &b : bundles.bundles) {
        auto *w = out->add_bundles();
        w->set_user_id(b.userId);
        w->set_device_id(b.deviceId);
        w->set_signing_key(toStd(b.signingKey));
        w->set_identity_key(toStd(b.identityKey));
        w->set_binding_signature(toStd(b.bindingSignature));
        auto *spk = w->mutable_signed_prekey();
        spk->set_key_id(b.signedPreKey.keyId);
        spk->set_public_key(toStd(b.signedPreKey.publicKey));
        spk->set_signature(toStd(b.signedPreKey.signature));
        if (b.oneTimePreKey) {
            w->mutable_one_time_prekey()->set_key_id(b.oneTimePreKey->keyId);
            w->mutable_one_time_prekey()->set_public_key(toStd(b.oneTimePreKey->publicKey));
        }
        w->set_account_key(toStd(b.accountKey));
    }
    toWire(bundles.deviceList, out->mutable_device_list());
}

} // namespace tidings::server::mapping
