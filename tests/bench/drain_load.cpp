#include "drain_load.h"

#include "load_common.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#include <cstdio>

namespace tidings::bench {

void DrainLoad::fail(const QString &msg) {
    std::fprintf(stderr, "tidings-load: %s\n", qPrintable(msg));
    QCoreApplication::exit(1);
}

void DrainLoad::start() {
    const QString receiverName = m_o.prefix + QStringLiteral("dr");
    m_receiver = new Device(m_o.url);
    m_receiver->setParent(this);
    m_receiver->onConnected = [this, receiverName] {
        F f;
        f.mutable_register_request()->set_username(receiverName.toStdString());
        f.mutable_register_request()->set_password("load-test-password");
        m_receiver->request(f, [this, receiverName](const F &r) {
            if (!r.has_login_response())
                return fail(QStringLiteral("register failed"));
            m_receiverToken = QByteArray::fromStdString(r.login_response().device_token());
            m_sender = new Device(m_o.url);
            m_sender->setParent(this);
            m_sender->onConnected = [this, receiverName] {
                F reg;
                reg.mutable_register_request()->set_username(
                    (m_o.prefix + QStringLiteral("ds")).toStdString());
                reg.mutable_register_request()->set_password("load-test-password");
                m_sender->request(reg, [this, receiverName](const F &) {
                    F open;
                    open.mutable_open_direct_request()->set_username(receiverName.toStdString());
                    m_sender->request(open, [this](const F &o) {
                        m_conv = o.conversation_info().conversation_id();
                        if (!m_conv)
                            return fail(QStringLiteral("open direct failed"));
                        // The receiver goes offline; its messages wait in its inbox.
                        m_receiver->deleteLater();
                        m_receiver = nullptr;
                        QTimer::singleShot(200, this, [this] { fill(); });
                    });
                });
            };
        });
    };
}

void DrainLoad::fill() {
    m_acked = 0;
    for (int i = 0; i < m_o.messages; ++i) {
        F f;
        auto *s = f.mutable_send_request();
        s->set_conversation_id(m_conv);
        s->set_client_message_id("r" + std::to_string(m_round) + "m" + std::to_string(i));
        s->set_payload(std::string(100, 'd'));
        m_sender->request(f, [this](const F &r) {
            if (!r.has_send_ack())
                return fail(QStringLiteral("send refused"));
            if (++m_acked == m_o.messages)
                QTimer::singleShot(100, this, [this] { reconnect(); });
        });
    }
}

void DrainLoad::reconnect() {
    m_received = 0;
    m_connectNs = nowNs();
    m_receiver = new Device(m_o.url);
    m_receiver->setParent(this);
    m_receiver->onConnected = [this] {
        F auth;
        auth.mutable_auth_request()->set_device_token(m_receiverToken.toStdString());
        m_receiver->request(auth, [this](const F &r) {
            if (!r.has_auth_response())
                fail(QStringLiteral("auth failed"));
        });
    };
    m_receiver->onPush = [this](const F &f) {
        if (!f.has_message_push())
            return;
        quint64 last = 0;
        for (const auto &m : f.message_push().messages()) {
            if (m.seq() != m_lastSeq + 1)
                ++m_outOfOrder;
            m_lastSeq = std::max<quint64>(m_lastSeq, m.seq());
            last = m.seq();
            if (++m_received == 1)
                m_firstMs.push_back(double(nowNs() - m_connectNs) / 1e6);
        }
        F ack; // acked like a client: the next round's drain starts after these
        ack.mutable_delivery_ack()->set_conversation_id(m_conv);
        ack.mutable_delivery_ack()->set_seq(last);
        m_receiver->post(ack);
        if (m_received < m_o.messages)
            return;
        m_drainMs.push_back(double(nowNs() - m_connectNs) / 1e6);
        // Offline again for the next round once its acks are in.
        QTimer::singleShot(300, this, [this] {
            m_receiver->deleteLater();
            m_receiver = nullptr;
            if (++m_round == m_o.rounds)
                return finish();
            QTimer::singleShot(200, this, [this] { fill(); });
        });
    };
}

void DrainLoad::finish() {
    auto sorted = m_drainMs;
    std::sort(sorted.begin(), sorted.end());
    QJsonArray each;
    for (double ms : m_drainMs)
        each.append(ms);
    QJsonObject out{{"mode", "drain"},
                    {"messages", m_o.messages},
                    {"rounds", m_o.rounds},
                    {"connect_to_last_ms", each},
                    {"connect_to_last_median_ms", sorted[sorted.size() / 2]},
                    {"connect_to_first_median_ms",
                     [&] {
                         auto f = m_firstMs;
                         std::sort(f.begin(), f.end());
                         return f[f.size() / 2];
                     }()},
                    {"out_of_order", m_outOfOrder}};
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
    QCoreApplication::exit(m_outOfOrder == 0 ? 0 : 1);
}

} // namespace tidings::bench
