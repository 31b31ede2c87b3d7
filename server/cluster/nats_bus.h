#pragma once
// The NATS connection of a cluster node (libnats, the C client Debian packages). libnats runs
// its own threads: connecting, reconnecting (forever, with jitter), reading and flushing. This
// class keeps all of that off the Qt event loop and hands what arrives to the loop in order, in
// batches (one queued call per burst, not per message).
//
// The bus is never the record (docs/ARCHITECTURE.md, "Many nodes"): a publish that fails or is
// dropped only delays a push until the device's next drain, so publish() never waits and never
// retries.
#include <QByteArray>
#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>

namespace tidings::server {

class NatsBus : public QObject {
    Q_OBJECT
public:
    NatsBus(QStringList servers, QString clientName, QObject *parent = nullptr);
    ~NatsBus() override;

    //! Connects in the background (a first failure is retried like a lost connection); `up`
    //! follows once connected. Subscriptions made before are made on the connection then.
    void start();
    //! Messages on `subject` arrive through `message` (on this object's thread).
    void subscribe(const QByteArray &subject);
    //! Queues `data` for `subject` (sent by a writer thread); false past kMaxQueuedBytes
    //! waiting. Never blocks on the network.
    bool publish(const QByteArray &subject, const QByteArray &data);
    static constexpr qint64 kMaxQueuedBytes = 64 * 1024 * 1024;
    bool isUp() const { return m_up; }
    //! The largest message the connected server accepts (0 before the first connection).
    qint64 maxPayload() const;

    struct Stats {
        quint64 published = 0;      //!< messages handed to libnats
        quint64 publishedBytes = 0; //!< their payload bytes
        quint64 publishFailures = 0;
        quint64 received = 0;
        quint64 receivedBytes = 0;
        quint64 dropped = 0; //!< reported by libnats as a slow consumer's drops
    };
    Stats stats() const;

signals:
    void up();   //!< connected, or connected again after a loss
    void down(); //!< the connection to every server was lost; libnats keeps trying
    void message(const QByteArray &subject, const QByteArray &data);
    //! libnats dropped messages for us (we read too slowly): something may be missing.
    void lost();

public:
    //! What libnats' threads share with this object (nats_bus.cpp).
    struct Mailbox;

private slots:
    // Called on this object's thread for what libnats' threads posted.
    void takeMail();
    void onConnection(bool connected);
    void onUp();
    void onDown();
    void onLost();

private:
    void subscribeNow(const QByteArray &subject);

    QStringList m_servers;
    QString m_name;
    std::shared_ptr<Mailbox> m_mailbox;
    QList<QByteArray> m_subjects;
    bool m_up = false;
    bool m_started = false;
    bool m_haveConnection = false;
    bool m_upBeforeConnection = false;
    quint64 m_received = 0, m_receivedBytes = 0;
};

} // namespace tidings::server
