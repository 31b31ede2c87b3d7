#include "group_load.h"

#include <QRandomGenerator>
#include <QTimer>

#include <memory>

#include "load_common.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#include <cstdio>

namespace tidings::bench {

namespace {
constexpr int kFlatOutWindow = 4; // group messages in flight in phase 2
}

void GroupLoad::fail(const QString &msg) {
    std::fprintf(stderr, "tidings-load: %s\n", qPrintable(msg));
    QCoreApplication::exit(1);
}

void GroupLoad::start() {
    for (int i = 0; i < m_o.members; ++i) {
        auto *d = new Device(m_o.url);
        d->setParent(this);
        m_devices.push_back(d);
        const std::string name = QStringLiteral("%1g%2").arg(m_o.prefix).arg(i).toStdString();
        // Registering hundreds at once can fill the server's queue of password hashes: those
        // answered RATE_LIMITED try again a moment later.
        auto doRegister = std::make_shared<std::function<void()>>();
        *doRegister = [this, d, name, weak = std::weak_ptr(doRegister)] {
            F f;
            f.mutable_register_request()->set_username(name);
            f.mutable_register_request()->set_password("load-test-password");
            d->request(f, [this, d, weak](const F &r) {
                if (!r.has_login_response() && r.error().code() == wire::ERROR_RATE_LIMITED) {
                    QTimer::singleShot(100 + QRandomGenerator::global()->bounded(200), d, [weak] {
                        if (auto again = weak.lock())
                            (*again)();
                    });
                    return;
                }
                if (!r.has_login_response())
                    return fail(QStringLiteral("register failed: %1")
                                    .arg(QString::fromStdString(r.error().detail())));
                if (++m_registered == m_o.members)
                    registered();
            });
        };
        d->onConnected = [doRegister] { (*doRegister)(); };
        d->onPush = [this, d](const F &f) {
            if (!f.has_message_push())
                return;
            quint64 last = 0;
            for (const auto &m : f.message_push().messages()) {
                last = std::max<quint64>(last, m.seq());
                if (!m.has_system_event())
                    onDelivered(m.client_message_id());
            }
            if (qEnvironmentVariableIsSet("TIDINGS_LOAD_NO_GROUP_ACKS"))
                return; // diagnosis only: what the members' acks cost the traffic beside them
            // Members ack like real clients do: in a group, the highest seq stored in the last
            // 250 ms (MessageReceiver::kGroupAckDelayMs). TIDINGS_LOAD_GROUP_ACK_MS=0 acks every
            // push, as clients did before.
            auto &due = m_ackDue[d];
            const bool armed = due != 0;
            due = std::max(due, last);
            if (armed)
                return;
            const auto flush = [this, d] {
                F ack;
                ack.mutable_delivery_ack()->set_conversation_id(m_group);
                ack.mutable_delivery_ack()->set_seq(std::exchange(m_ackDue[d], 0));
                d->post(ack);
            };
            const bool set = qEnvironmentVariableIsSet("TIDINGS_LOAD_GROUP_ACK_MS");
            const int delay = set ? qEnvironmentVariableIntValue("TIDINGS_LOAD_GROUP_ACK_MS") : 250;
            if (delay <= 0)
                return flush();
            QTimer::singleShot(delay, d, flush);
        };
    }
}

void GroupLoad::registered() {
    std::fprintf(stderr, "tidings-load: %d members registered and connected\n", m_o.members);
    F f;
    f.mutable_create_group_request()->set_name("load");
    for (int i = 1; i < m_o.members; ++i)
        f.mutable_create_group_request()->add_usernames(
            QStringLiteral("%1g%2").arg(m_o.prefix).arg(i).toStdString());
    m_devices[0]->request(f, [this](const F &r) {
        if (!r.has_conversation_info())
            return fail(QStringLiteral("group create failed: %1")
                            .arg(QString::fromStdString(r.error().detail())));
        m_group = r.conversation_info().conversation_id();
        m_cpuBefore = readProc(m_o.serverPid).cpuSeconds;
        QTimer::singleShot(1000, this, [this] { sendNext(); });
    });
}

void GroupLoad::sendNext() {
    const std::string id = "m" + std::to_string(++m_next);
    m_pending[id] = {nowNs(), 0};
    F f;
    auto *s = f.mutable_send_request();
    s->set_conversation_id(m_group);
    s->set_client_message_id(id);
    s->set_payload(std::string(100, 'x'));
    m_devices[0]->request(f, [this](const F &r) {
        if (!r.has_send_ack())
            fail(QStringLiteral("group send failed"));
    });
}

void GroupLoad::onDelivered(const std::string &id) {
    auto it = m_pending.find(id);
    if (it == m_pending.end())
        return;
    if (m_flatOut)
        ++m_flatDeliveries;
    if (++it->second.second < m_o.members - 1)
        return;
    // The last member has it.
    const qint64 sentAt = it->second.first;
    m_pending.erase(it);
    if (!m_flatOut) {
        m_lastDeliveryUs.push_back(double(nowNs() - sentAt) / 1000.0);
        if (++m_latencySent < m_o.sends)
            sendNext();
        else
            startFlatOut();
        return;
    }
    ++m_flatComplete;
    sendNext();
}

void GroupLoad::startFlatOut() {
    m_flatOut = true;
    m_flatStartNs = nowNs();
    std::fprintf(stderr, "tidings-load: group flat out for %d s\n", m_o.seconds);
    for (int i = 0; i < kFlatOutWindow; ++i)
        sendNext();
    QTimer::singleShot(m_o.seconds * 1000, this, [this] { finish(); });
}

void GroupLoad::finish() {
    const double secs = double(nowNs() - m_flatStartNs) / 1e9;
    std::sort(m_lastDeliveryUs.begin(), m_lastDeliveryUs.end());
    QJsonObject out{{"mode", "group"},
                    {"members", m_o.members},
                    {"latency_sends", int(m_lastDeliveryUs.size())},
                    {"last_member_p50_ms", percentileMs(m_lastDeliveryUs, 0.50)},
                    {"last_member_p99_ms", percentileMs(m_lastDeliveryUs, 0.99)},
                    {"flat_out_seconds", secs},
                    {"group_messages_per_s", double(m_flatComplete) / secs},
                    {"member_deliveries_per_s", double(m_flatDeliveries) / secs}};
    if (m_o.serverPid > 0) {
        const double cpu = readProc(m_o.serverPid).cpuSeconds - m_cpuBefore;
        const double deliveries =
            double(m_flatDeliveries) + double(m_lastDeliveryUs.size()) * (m_o.members - 1);
        out["server_cpu_us_per_member_delivery"] = cpu * 1e6 / std::max(1.0, deliveries);
    }
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
    QCoreApplication::exit(0);
}

} // namespace tidings::bench
