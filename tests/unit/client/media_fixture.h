#pragma once
// Two devices (alice and bob) with the real sync engine and Media module over sealed stores,
// joined by an in-test relay instead of a server (sends get a seq and an ack and are pushed to
// the other device; media tokens come from the FakeMediaServer), plus the fake media endpoints.
// No PostgreSQL, no E2E (payloads are the encoded Content).
#include "core/media/media.h"
#include "core/net/requester.h"
#include "core/store/account_store.h"
#include "core/store/message_store.h"
#include "core/store/storage.h"
#include "core/store/transfer_store.h"
#include "core/sync/sync_engine.h"
#include "crypto/secret_bytes.h"
#include "fake_media_server.h"

#include <QCryptographicHash>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace tidings::client::test {

constexpr quint64 kChat = 5;

class Relay;

//! A FrameSink whose requests go to the relay (answered on a later event-loop pass).
class RelaySink : public FrameSink {
public:
    RelaySink(Relay *relay, int device)
        : m_relay(relay)
        , m_device(device) {}
    quint64 request(Frame frame, ResponseHandler handler, int timeoutMs = 0) override;
    bool post(const Frame &) override { return online; }
    bool isAuthenticated() const override { return online; }
    bool online = true;

private:
    Relay *m_relay;
    int m_device;
};

struct MediaDevice {
    AccountSettings me;
    QTemporaryDir dir;
    crypto::SecretBytes key = crypto::SecretBytes::random(32);
    std::unique_ptr<Storage> store;
    std::unique_ptr<RelaySink> sink;
    std::unique_ptr<Requester> requests;
    std::unique_ptr<SyncEngine> sync;
    std::unique_ptr<Media> media;
    QString serverUrl;
    Media::Options options;

    //! (Re)builds the engine and the media module over the same store: an app restart.
    void start(Relay *relay, int index);
    void stop() {
        media.reset();
        sync.reset();
        requests.reset();
        sink.reset();
    }
    MessageRecord message(quint64 seq) const {
        auto m = store->messages().messageBySeq(kChat, seq);
        return m && m->has_value() ? **m : MessageRecord();
    }
    QList<StoredAttachment> attachmentsOf(const QString &clientId) const {
        auto a = store->transfers().attachmentsByClientId(clientId);
        return a ? *a : QList<StoredAttachment>();
    }
};

class Relay {
public:
    FakeMediaServer server;
    MediaDevice devices[2];
    QList<wire::SendRequest> sends; //!< every stored send, in order
    //! The next this many sends naming blobs are refused with NO_SUCH_BLOB, their blobs deleted
    //! (collected before the message came); kept in `refused`.
    int refuseBlobSends = 0;
    QList<wire::SendRequest> refused;
    quint64 lastSeq = 0;
    int tokenRequests = 0;

    Relay() {
        devices[0].me = {server.wsUrl(), 1, 11, QStringLiteral("alice"), {}};
        devices[1].me = {server.wsUrl(), 2, 22, QStringLiteral("bob"), {}};
    }
    MediaDevice &alice() { return devices[0]; }
    MediaDevice &bob() { return devices[1]; }

    bool open() {
        for (int i = 0; i < 2; ++i) {
            MediaDevice &d = devices[i];
            auto s = Storage::open(d.dir.filePath(QStringLiteral("client.sqlite")), d.key);
            if (!s || !(*s)->accounts().saveAccount(d.me))
                return false;
            d.store = std::move(*s);
            d.serverUrl = server.wsUrl();
            d.options.retryBaseMs = 20;
            d.options.retryCapMs = 200;
            d.options.progressIntervalMs = 0;
            d.start(this, i);
        }
        return server.ok();
    }

    void handle(int from, Frame frame, ResponseHandler handler) {
        QTimer::singleShot(0, &context, [this, from, frame = std::move(frame), handler] {
            answer(from, frame, handler);
        });
    }
    //! Answers are queued through it: one still queued when the relay goes (the end of a test)
    //! is dropped instead of reaching a client of the next test's relay at the same address.
    //! Declared last, so it goes first.
    QObject context;

private:
    void answer(int from, const Frame &frame, const ResponseHandler &handler) {
        Frame out;
        switch (frame.body_case()) {
        case Frame::kMediaTokenRequest: {
            ++tokenRequests;
            auto *t = out.mutable_media_token_response();
            t->set_token(server.issueToken().toStdString());
            t->set_expires_at_ms(QDateTime::currentMSecsSinceEpoch() + 600'000);
            t->set_chunk_bytes(server.chunk);
            t->set_max_file_bytes(quint64(2) << 30);
            handler(out);
            return;
        }
        case Frame::kSendRequest: {
            const auto &req = frame.send_request();
            if (refuseBlobSends > 0 && req.attachment_blob_ids_size() > 0) {
                --refuseBlobSends;
                refused.append(req);
                for (const auto &blob : req.attachment_blob_ids()) {
                    if (const auto id = BlobId::fromHex(QString::fromStdString(blob)))
                        (void)server.store().removeBlob(*id);
                }
                handler(Error{ErrorCode::NoSuchBlob, u"an attachment is no longer there"_qs});
                return;
            }
            sends.append(req);
            const quint64 seq = ++lastSeq;
            out.mutable_send_ack()->set_seq(seq);
            out.mutable_send_ack()->set_server_time_ms(QDateTime::currentMSecsSinceEpoch());
            handler(out);
            Frame push;
            auto *m = push.mutable_message_push()->add_messages();
            m->set_conversation_id(req.conversation_id());
            m->set_seq(seq);
            m->set_sender_user_id(devices[from].me.userId);
            m->set_sender_device_id(devices[from].me.deviceId);
            m->set_sender_username(devices[from].me.username.toStdString());
            m->set_client_message_id(req.client_message_id());
            m->set_server_time_ms(QDateTime::currentMSecsSinceEpoch());
            m->set_payload(req.payload());
            MediaDevice &other = devices[1 - from];
            if (other.sync)
                other.sync->handlePush(push);
            return;
        }
        case Frame::kGroupInfoRequest:
            handler(Error{ErrorCode::NotAGroup, QStringLiteral("a 1:1")});
            return;
        default:
            handler(Error{ErrorCode::UnknownFrame, QStringLiteral("not in this relay")});
            return;
        }
    }
};

inline quint64 RelaySink::request(Frame frame, ResponseHandler handler, int) {
    if (!online) {
        QTimer::singleShot(0, &m_relay->context, [handler] {
            handler(Error{ErrorCode::Network, u"offline"_qs});
        });
        return 0;
    }
    m_relay->handle(m_device, std::move(frame), std::move(handler));
    return 1;
}

inline void MediaDevice::start(Relay *relay, int index) {
    sink = std::make_unique<RelaySink>(relay, index);
    requests = std::make_unique<Requester>(sink.get());
    sync = std::make_unique<SyncEngine>(store.get(), sink.get());
    sync->setAccount(me);
    media = std::make_unique<Media>(
        store.get(), sync.get(), requests.get(), [this] { return QUrl(serverUrl); }, options);
    QObject::connect(sync.get(), &SyncEngine::messagesReceived, media.get(),
                     &Media::onMessagesReceived);
    sync->onAuthenticated();
}

inline OutgoingFile outgoing(const QString &path) {
    OutgoingFile f;
    f.path = path;
    return f;
}

//! A file of `size` pseudo-random bytes (a fixed seed per name).
inline QString makeFile(const QTemporaryDir &dir, const QString &name, qsizetype size,
                        quint32 seed = 1) {
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator gen(seed);
    for (qsizetype i = 0; i < size; ++i)
        bytes[i] = char(gen.generate() & 0xff);
    const QString path = dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != size)
        return QString();
    return path;
}

inline QByteArray sha256Of(const QString &path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return h.result();
}

} // namespace tidings::client::test
