#pragma once
// Between the wire and the services: requests into domain values, answers into response bodies.
// Only the gateway knows both sides.
#include "proto/tidings.pb.h"
#include "services/accounts/accounts.h"
#include "services/contacts/contacts.h"
#include "services/groups/groups.h"
#include "services/keys/keys.h"
#include "services/media/media.h"
#include "services/messaging/messaging.h"
#include "services/presence/presence.h"
#include "services/profiles/profiles.h"

namespace tidings::server::mapping {

NewAccount fromWire(const wire::RegisterRequest &req);
Credentials fromWire(const wire::LoginRequest &req);
OutgoingMessage fromWire(const wire::SendRequest &req);
HistoryQuery fromWire(const wire::HistoryRequest &req);
GroupChange fromWire(const wire::GroupChangeRequest &req);
KeyUpload fromWire(const wire::UploadKeysRequest &req);
ListPublication fromWire(const wire::PublishDeviceListRequest &req);
AccountRecovery fromWire(const wire::RecoverAccountRequest &req);
void toWire(const AccountKeyHandoff &handoff, wire::AccountKeyPush *out);
QStringList usernames(const google::protobuf::RepeatedPtrField<std::string> &names);

void toWire(const SendAck &ack, wire::SendAck *out);
void toWire(const HistoryPage &page, wire::HistoryResponse *out);
void toWire(const ConversationInfo &info, wire::ConversationInfo *out);
void toWire(const Readers &readers, wire::ReadersResponse *out);
void toWire(const GroupLog &log, wire::GroupLogResponse *out);
void toWire(const std::vector<DeviceInfo> &devices, wire::DevicesResponse *out);
void toWire(const std::vector<PresenceState> &states, wire::PresenceResponse *out);
void toWire(const ContactList &contacts, wire::ContactsResponse *out);
void toWire(const std::vector<Profile> &profiles, wire::ProfilesResponse *out);
void toWire(const KeyStock &stock, wire::KeysResponse *out);
void toWire(const Bundles &bundles, wire::BundlesResponse *out);
void toWire(const SignedDeviceList &list, wire::DeviceListResponse *out);
void toWire(const MediaToken &token, wire::MediaTokenResponse *out);

} // namespace tidings::server::mapping
