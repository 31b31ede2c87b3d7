#include "gateway/dispatcher.h"

#include "core/metrics.h"
#include "gateway/replies.h"
#include "gateway/session.h"
#include "gateway/wire_mapping.h"
#include "services/common/revoked_devices.h"

#include <QElapsedTimer>

namespace tidings::server {

using protocol::Frame;
using namespace mapping;

namespace {

//! Acks are mostly fire-and-forget (request id 0): those hear of refusals (not a member), not of
//! database failures; the client acks again later anyway.
StatusReply ackReply(Session *session, quint64 requestId) {
    return [ok = okTo(session, requestId), requestId](Status s) {
        if (!s && requestId == 0 && s.error().code == ErrorCode::Internal)
            return;
        ok(std::move(s));
    };
}

Reply<ConversationInfo> conversationReply(Session *session, quint64 requestId) {
    return replyTo<ConversationInfo>(session, requestId, [](const ConversationInfo &c, Frame &f) {
        toWire(c, f.mutable_conversation_info());
    });
}

} // namespace

void Dispatcher::dispatch(Session *session, const Frame &frame) {
    const Caller &me = session->caller();
    const quint64 rid = frame.request_id();
    const Services &s = m_services;
    if (s.revoked && s.revoked->contains(me.deviceId)) {
        const Error gone{ErrorCode::BadToken, QStringLiteral("this device was logged out")};
        session->sendError(rid, gone);
        session->disconnect(gone);
        return;
    }
    switch (frame.body_case()) {
    case Frame::kRegisterRequest:
    case Frame::kLoginRequest:
    case Frame::kAuthRequest:
        session->sendError(rid, Error{ErrorCode::AlreadyAuthenticated,
                                      QStringLiteral("this connection is authenticated already")});
        return;
    case Frame::kOpenDirectRequest:
        s.groups->openDirect(me, QString::fromStdString(frame.open_direct_request().username()),
                             conversationReply(session, rid));
        return;
    case Frame::kSendRequest: {
        auto reply = replyTo<SendAck>(
            session, rid, [](const SendAck &a, Frame &f) { toWire(a, f.mutable_send_ack()); });
        if (s.metrics) {
            // Send → stored, as the sender sees it minus the network: from dispatch to the ack.
            QElapsedTimer since;
            since.start();
            reply = [reply = std::move(reply), metrics = s.metrics, since](Result<SendAck> r) {
                if (r && !r->duplicate) // a resend of one stored before is not a new message
                    metrics->messageStored(since.nsecsElapsed() / 1000);
                reply(std::move(r));
            };
        }
        s.messaging->send(me, fromWire(frame.send_request()), std::move(reply));
        return;
    }
    case Frame::kDeliveryAck:
        s.messaging->ack(me, frame.delivery_ack().conversation_id(), frame.delivery_ack().seq(), 0,
                         ackReply(session, rid));
        return;
    case Frame::kReadAck:
        s.messaging->ack(me, frame.read_ack().conversation_id(), frame.read_ack().seq(),
                         frame.read_ack().seq(), ackReply(session, rid));
        return;
    case Frame::kHistoryRequest:
        s.messaging->history(me, fromWire(frame.history_request()),
                             replyTo<HistoryPage>(session, rid, [](const HistoryPage &p, Frame &f) {
                                 toWire(p, f.mutable_history_response());
                             }));
        return;
    case Frame::kCreateGroupRequest:
        s.groups->create(me, QString::fromStdString(frame.create_group_request().name()),
                         usernames(frame.create_group_request().usernames()),
                         QByteArray::fromStdString(frame.create_group_request().signed_genesis()),
                         conversationReply(session, rid));
        return;
    case Frame::kGroupChangeRequest:
        s.groups->change(me, fromWire(frame.group_change_request()), okTo(session, rid));
        return;
    case Frame::kGroupInfoRequest:
        s.groups->info(me, frame.group_info_request().conversation_id(),
                       conversationReply(session, rid));
        return;
    case Frame::kGroupLogRequest: {
        const auto &l = frame.group_log_request();
        s.groups->log(me, l.conversation_id(), l.after_version(), l.limit(),
                      replyTo<GroupLog>(session, rid, [](const GroupLog &g, Frame &f) {
                          toWire(g, f.mutable_group_log_response());
                      }));
        return;
    }
    case Frame::kReadersRequest:
        s.groups->readers(me, frame.readers_request().conversation_id(),
                          frame.readers_request().seq(),
                          replyTo<Readers>(session, rid, [](const Readers &r, Frame &f) {
                              toWire(r, f.mutable_readers_response());
                          }));
        return;
    case Frame::kDevicesRequest:
        s.accounts->listDevices(
            me, replyTo<std::vector<DeviceInfo>>(session, rid,
                                                 [](const std::vector<DeviceInfo> &d, Frame &f) {
                                                     toWire(d, f.mutable_devices_response());
                                                 }));
        return;
    case Frame::kRevokeDeviceRequest:
        s.accounts->revokeDevice(me, frame.revoke_device_request().device_id(), okTo(session, rid));
        return;
    case Frame::kChangePasswordRequest: {
        const auto &r = frame.change_password_request();
        s.accounts->changePassword(me, QByteArray::fromStdString(r.old_password()),
                                   QByteArray::fromStdString(r.new_password()), session->peer(),
                                   okTo(session, rid));
        return;
    }
    case Frame::kPresenceSubscribeRequest:
        s.presence->subscribe(me, usernames(frame.presence_subscribe_request().usernames()),
                              replyTo<std::vector<PresenceState>>(
                                  session, rid, [](const std::vector<PresenceState> &p, Frame &f) {
                                      toWire(p, f.mutable_presence_response());
                                  }));
        return;
    case Frame::kSetPrivacyRequest:
        s.presence->setPrivacy(me, Visibility(int(frame.set_privacy_request().last_seen())),
                               okTo(session, rid));
        return;
    case Frame::kTypingRequest:
        switch (session->typingThrottle().check(frame.typing_request().conversation_id(),
                                                frame.typing_request().typing(),
                                                session->elapsedMs())) {
        case TypingThrottle::Verdict::Forward:
            break;
        case TypingThrottle::Verdict::Absorb: // the same state again: the members know it
            okTo(session, rid)(Status{});
            return;
        case TypingThrottle::Verdict::Refuse:
            session->sendError(rid, Error{ErrorCode::RateLimited,
                                          QStringLiteral("too many typing indicators"),
                                          session->typingThrottle().retryAfterMs()});
            return;
        }
        s.presence->typing(me, frame.typing_request().conversation_id(),
                           frame.typing_request().typing(), okTo(session, rid));
        return;
    case Frame::kContactRequest:
        s.contacts->change(me, ContactAction(int(frame.contact_request().action())),
                           QString::fromStdString(frame.contact_request().username()),
                           okTo(session, rid));
        return;
    case Frame::kContactsRequest:
        s.contacts->list(me, replyTo<ContactList>(session, rid, [](const ContactList &c, Frame &f) {
                             toWire(c, f.mutable_contacts_response());
                         }));
        return;
    case Frame::kUploadKeysRequest:
        s.keys->uploadKeys(me, fromWire(frame.upload_keys_request()),
                           replyTo<KeyStock>(session, rid, [](const KeyStock &k, Frame &f) {
                               toWire(k, f.mutable_keys_response());
                           }));
        return;
    case Frame::kFetchBundlesRequest: {
        const auto &req = frame.fetch_bundles_request();
        s.keys->fetchBundles(me, req.user_id(),
                             std::vector<quint64>(req.device_ids().begin(), req.device_ids().end()),
                             QByteArray::fromStdString(req.known_account_key()),
                             replyTo<Bundles>(session, rid, [](const Bundles &b, Frame &f) {
                                 toWire(b, f.mutable_bundles_response());
                             }));
        return;
    }
    case Frame::kPublishDeviceListRequest: {
        ListPublication list = fromWire(frame.publish_device_list_request());
        const std::string &password = frame.publish_device_list_request().password();
        if (password.empty()) {
            s.keys->publishDeviceList(me, list, okTo(session, rid));
            return;
        }
        // A list that changes the recovery key comes with the password, checked (and limited)
        // like a login before the key directory sees the list.
        s.accounts->verifyPassword(
            me, QByteArray::fromStdString(password), session->peer(),
            [keys = s.keys, me, list, ok = okTo(session, rid)](Status verified) mutable {
                if (!verified)
                    return ok(verified);
                list.passwordVerified = true;
                keys->publishDeviceList(me, list, ok);
            });
        return;
    }
    case Frame::kDeviceListRequest:
        s.keys->deviceList(
            me, frame.device_list_request().user_id(),
            QByteArray::fromStdString(frame.device_list_request().known_account_key()),
            replyTo<SignedDeviceList>(session, rid, [](const SignedDeviceList &l, Frame &f) {
                toWire(l, f.mutable_device_list_response());
            }));
        return;
    case Frame::kAccountKeyRequest:
        s.keys->accountKeyHandoff(
            me, replyTo<AccountKeyHandoff>(session, rid, [](const AccountKeyHandoff &h, Frame &f) {
                toWire(h, f.mutable_account_key_push());
            }));
        return;
    case Frame::kRecoverAccountRequest:
        s.keys->recoverAccount(me, fromWire(frame.recover_account_request()),
                               replyTo<std::vector<quint64>>(
                                   session, rid, [](const std::vector<quint64> &out, Frame &f) {
                                       auto *r = f.mutable_recover_account_response();
                                       for (quint64 d : out)
                                           r->add_logged_out_device_ids(d);
                                   }));
        return;
    case Frame::kLinkRelayRequest:
        s.keys->linkRelay(me, frame.link_relay_request().device_id(),
                          QByteArray::fromStdString(frame.link_relay_request().blob()),
                          okTo(session, rid));
        return;
    case Frame::kSetProfileRequest:
        s.profiles->setDisplayName(
            me, QString::fromStdString(frame.set_profile_request().display_name()),
            okTo(session, rid));
        return;
    case Frame::kProfilesRequest:
        s.profiles->profiles(me, usernames(frame.profiles_request().usernames()),
                             replyTo<std::vector<Profile>>(
                                 session, rid, [](const std::vector<Profile> &p, Frame &f) {
                                     toWire(p, f.mutable_profiles_response());
                                 }));
        return;
    case Frame::kMediaTokenRequest:
        if (!s.media) {
            session->sendError(
                rid, Error{ErrorCode::UnknownFrame, QStringLiteral("this server stores no media")});
            return;
        }
        s.media->issueToken(me,
                            replyTo<MediaToken>(session, rid, [](const MediaToken &t, Frame &f) {
                                toWire(t, f.mutable_media_token_response());
                            }));
        return;
    default:
        session->sendError(rid,
                           Error{ErrorCode::UnknownFrame, QStringLiteral("unsupported request")});
        return;
    }
}

} // namespace tidings::server
