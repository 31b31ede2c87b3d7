// Accepting sends: the per-device order and the end-to-end check of encrypted sends against
// the conversation's current devices (STALE_DEVICES), before they go to the storing batch.
#include "services/messaging.h"

#include "gateway/session.h"
#include "server_logging.h"
#include "services/batcher.h"
#include "services/device_directory.h"
#include "services/membership.h"

#include "db/pg_connection.h"

#include <algorithm>

namespace tidings::server {

void MessagingService::send(Session *session, quint64 requestId, const wire::SendRequest &req) {
    const quint64 conv = req.conversation_id();
    SendItem item{session,
                  requestId,
                  session->userId(),
                  session->deviceId(),
                  conv,
                  session->username(),
                  QByteArray::fromStdString(req.client_message_id()),
                  QByteArray::fromStdString(req.payload()),
                  !req.device_digest().empty(),
                  {},
                  {},
                  QByteArray::fromStdString(req.device_digest())};
    for (const auto &e : req.envelopes()) {
        item.envelopes.emplace_back(e.device_id(), QByteArray::fromStdString(e.payload()));
        item.targets.emplace_back(e.user_id(), e.device_id());
    }
    const quint64 device = item.deviceId;
    auto it = m_checking.find(device);
    if (it == m_checking.end() && !item.encrypted) {
        // The common case: nothing of this device waits for a check.
        m_sends->add(m_pool->shardOf(conv), std::move(item));
        return;
    }
    if (it == m_checking.end())
        it = m_checking.insert(device, DeviceQueue{});
    it->items.push_back(std::move(item));
    if (!it->busy)
        nextSend(device);
}

void MessagingService::nextSend(quint64 deviceId) {
    auto it = m_checking.find(deviceId);
    while (it != m_checking.end() && !it->busy && !it->items.empty()) {
        SendItem item = std::move(it->items.front());
        it->items.pop_front();
        if (!item.encrypted) {
            m_sends->add(m_pool->shardOf(item.conv), std::move(item));
            continue;
        }
        it->busy = true;
        // The check may answer synchronously (everything cached): re-find afterwards.
        checkEncrypted(std::move(item), [this, deviceId] {
            auto q = m_checking.find(deviceId);
            if (q == m_checking.end())
                return;
            q->busy = false;
            nextSend(deviceId);
        });
        it = m_checking.find(deviceId);
    }
    if (it != m_checking.end() && !it->busy && it->items.empty())
        m_checking.erase(it);
}

void MessagingService::checkEncrypted(SendItem item, std::function<void()> done) {
    const quint64 conv = item.conv;
    auto shared = std::make_shared<SendItem>(std::move(item));
    m_membership->withMembers(conv, [this, shared, done](Result<Membership::Members> members) {
        SendItem &it = *shared;
        if (!members) {
            if (it.session)
                it.session->sendError(it.requestId, members.error());
            return done();
        }
        if (!members->contains(it.userId)) {
            // Refused by the storing statement with the usual not-a-member answer.
            m_sends->add(m_pool->shardOf(it.conv), std::move(it));
            return done();
        }
        m_directory->withCurrentDevices(*members, [this, shared,
                                                   done](Result<QList<DeviceRef>> devices) {
            SendItem &it = *shared;
            if (!devices) {
                if (it.session)
                    it.session->sendError(it.requestId, devices.error());
                return done();
            }
            QList<DeviceRef> required;
            for (const auto &d : *devices)
                if (d.second != it.deviceId)
                    required.append(d);
            std::vector<DeviceRef> targets = it.targets;
            std::sort(targets.begin(), targets.end());
            if (std::adjacent_find(targets.begin(), targets.end()) != targets.end()) {
                if (it.session)
                    it.session->sendError(
                        it.requestId,
                        Error{ErrorCode::BadFrame, QStringLiteral("two envelopes for one device")});
                return done();
            }
            QList<DeviceRef> extra, missing;
            std::set_difference(targets.begin(), targets.end(), required.begin(), required.end(),
                                std::back_inserter(extra));
            std::set_difference(required.begin(), required.end(), targets.begin(), targets.end(),
                                std::back_inserter(missing));
            if (!extra.isEmpty() || DeviceDirectory::digest(required) != it.digest) {
                qCDebug(lcMessaging) << "stale devices: conversation" << it.conv << "device"
                                     << it.deviceId << "required" << required.size() << "extra"
                                     << extra.size() << "missing" << missing.size();
                if (it.session) {
                    protocol::Frame f = protocol::makeError(
                        it.requestId, ErrorCode::StaleDevices,
                        QStringLiteral("the conversation's devices changed; re-encrypt"));
                    auto *stale = f.mutable_error()->mutable_stale();
                    auto fill = [](auto *list, const QList<DeviceRef> &refs) {
                        for (const auto &[user, device] : refs) {
                            auto *r = list->Add();
                            r->set_user_id(user);
                            r->set_device_id(device);
                        }
                    };
                    fill(stale->mutable_missing(), missing);
                    fill(stale->mutable_extra(), extra);
                    fill(stale->mutable_current(), required);
                    it.session->send(f);
                }
                return done();
            }
            m_sends->add(m_pool->shardOf(it.conv), std::move(it));
            done();
        });
    });
}

} // namespace tidings::server
