#include "core/sync/peer_key_fetcher.h"

#include "core/logging.h"
#include "core/sync/request_join.h"

#include <QDateTime>

#include <memory>

namespace tidings::client {

using e2e::DeviceAddress;

PeerKeyFetcher::PeerKeyFetcher(e2e::E2eEngine *engine, FrameSink *sink, const AccountSettings &me,
                               QObject *parent)
    : QObject(parent)
    , m_engine(engine)
    , m_sink(sink)
    , m_me(me) {}

std::optional<qint64> PeerKeyFetcher::fetchedAt(quint64 userId) const {
    const auto it = m_listFetched.constFind(userId);
    if (it == m_listFetched.constEnd())
        return std::nullopt;
    return *it;
}

void PeerKeyFetcher::askDeviceList(quint64 userId, const QByteArray &knownKey,
                                   std::function<void(Result<wire::DeviceListResponse>)> answer) {
    Frame f;
    f.mutable_device_list_request()->set_user_id(userId);
    f.mutable_device_list_request()->set_known_account_key(knownKey.toStdString());
    m_sink->request(std::move(f), [answer = std::move(answer)](Result<Frame> r) {
        if (!r)
            return answer(r.error());
        if (r->body_case() != Frame::kDeviceListResponse)
            return answer(
                Error{ErrorCode::BadFrame, QStringLiteral("unexpected answer to a device list")});
        answer(std::move(*r->mutable_device_list_response()));
    });
}

void PeerKeyFetcher::refreshDeviceList(quint64 userId, std::function<void(Status)> done) {
    // The key pinned for them: a changed key then comes with the successions from it.
    askDeviceList(userId, m_engine->pinnedAccountKey(userId),
                  [=, this](Result<wire::DeviceListResponse> r) {
                      if (!r) {
                          done(r.error());
                          return;
                      }
                      m_listFetched.insert(userId, QDateTime::currentMSecsSinceEpoch());
                      if (r->signed_list().empty()) {
                          done({}); // no keys published: no devices to encrypt for
                          return;
                      }
                      auto update = m_engine->acceptDeviceList(*r);
                      if (!update) {
                          // A list that does not verify (bad signature, rollback) is ignored:
                          // the old one stays.
                          qCWarning(lcSync) << "device list of user" << userId
                                            << "rejected:" << update.error().toString();
                          done({});
                          return;
                      }
                      if (update->identityChanged)
                          emit identityChanged(userId, int(update->change));
                      done({});
                  });
}

void PeerKeyFetcher::fetchChain(quint64 userId, const QByteArray &from,
                                std::function<void(Status)> done) {
    askDeviceList(userId, from, [=, this](Result<wire::DeviceListResponse> r) {
        if (!r) {
            done(r.error());
            return;
        }
        auto learned = m_engine->learnChain(userId, from, *r);
        if (!learned || !*learned)
            qCInfo(lcSync) << "no verified key chain for user" << userId << "to its pinned key";
        done({});
    });
}

void PeerKeyFetcher::ensureSessions(const QList<quint64> &users, std::function<void(Status)> done) {
    // Users of whom nothing is known yet (a new group's members): one request each brings their
    // signed list and a bundle for every current device (a BundlesResponse carries the list), not
    // a list request and then a bundle request. A 500-member group's first message made 998
    // requests through the server's four-wide read lane before.
    QList<quint64> unknown;
    for (quint64 u : users) {
        if (!m_listFetched.contains(u) && m_engine->currentDevices(u).isEmpty())
            unknown.append(u);
    }
    auto then = [=, this](Status s) {
        if (!s) {
            done(s);
            return;
        }
        fetchMissingSessions(users, done);
    };
    if (unknown.isEmpty()) {
        then({});
        return;
    }
    auto join = std::make_shared<RequestJoin>();
    join->pending = int(unknown.size());
    join->done = std::move(then);
    for (quint64 u : unknown)
        fetchBundles(u, {}, [join](Status s) { join->finish(s); });
}

void PeerKeyFetcher::fetchMissingSessions(const QList<quint64> &users,
                                          std::function<void(Status)> done) {
    QHash<quint64, QList<quint64>> perUser;
    // Every listed device, not narrowed to what the server last called current: a session with a
    // device the server does not list yet costs nothing.
    for (quint64 u : users) {
        for (const DeviceAddress &d : m_engine->currentDevices(u)) {
            if (d.userId == m_me.userId && d.deviceId == m_me.deviceId)
                continue;
            if (!m_engine->hasSession(d))
                perUser[d.userId].append(d.deviceId);
        }
    }
    if (perUser.isEmpty()) {
        done({});
        return;
    }
    auto join = std::make_shared<RequestJoin>();
    join->pending = int(perUser.size());
    join->done = std::move(done);
    for (auto it = perUser.cbegin(); it != perUser.cend(); ++it)
        fetchBundles(it.key(), it.value(), [join](Status s) { join->finish(s); });
}

void PeerKeyFetcher::fetchBundles(quint64 userId, const QList<quint64> &devices,
                                  std::function<void(Status)> done) {
    Frame f;
    auto *req = f.mutable_fetch_bundles_request();
    req->set_user_id(userId);
    req->set_known_account_key(m_engine->pinnedAccountKey(userId).toStdString());
    for (quint64 device : devices)
        req->add_device_ids(device);
    // No devices named: every current device, and the answer's list is what they are checked
    // against (accepted here first, so a changed account key is announced as with a list request).
    const bool withList = devices.isEmpty();
    m_sink->request(std::move(f), [=, this](Result<Frame> r) {
        if (!r) {
            done(r.error());
            return;
        }
        if (r->body_case() != Frame::kBundlesResponse) {
            done(Error{ErrorCode::BadFrame, QStringLiteral("unexpected answer")});
            return;
        }
        wire::BundlesResponse *bundles = r->mutable_bundles_response();
        if (withList) {
            m_listFetched.insert(userId, QDateTime::currentMSecsSinceEpoch());
            if (bundles->device_list().signed_list().empty()) {
                done({}); // no keys published: no devices to encrypt for
                return;
            }
            auto update = m_engine->acceptDeviceList(bundles->device_list());
            if (!update) {
                // As for a list request: a list that does not verify is ignored, and so are the
                // bundles that would be checked against it.
                qCWarning(lcSync) << "device list of user" << userId
                                  << "rejected:" << update.error().toString();
                done({});
                return;
            }
            if (update->identityChanged)
                emit identityChanged(userId, int(update->change));
            bundles->clear_device_list(); // accepted: not verified a second time
        }
        auto accepted = m_engine->acceptBundles(*bundles);
        if (!accepted)
            qCWarning(lcSync) << "bundles rejected:" << accepted.error().toString();
        done(accepted);
    });
}

} // namespace tidings::client
