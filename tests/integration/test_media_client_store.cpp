// What the server keeps, seen through the real client core (client::Media, E2E on) against the
// real server in-process and PostgreSQL: blobs altered, cut short or gone on the server fail the
// receiver's download in words and leave no file behind (and a repaired blob downloads on
// retry); a token the server no longer accepts is renewed once, while a logged-out device gets
// nothing; a cancelled upload is dropped by the server at once, a blob a message points to
// outlives the day of grace, and media retention removes it, which the receiver is told in words;
// a file whose blob was collected before its message could go out is uploaded again and arrives.
#include "test_media_client.h"

#include "support/integration_fixture.h"
#include "support/media_client.h"

#include <QTemporaryDir>
#include <QTest>

using namespace tidings;
using namespace tidings::test;

namespace {

const QByteArray kMarker = "TIDINGS-CLIENT-PLAINTEXT-MARKER-3d7e";
constexpr qint64 kMiB = 1024 * 1024;
constexpr qint64 kHour = 3600 * 1000;

const QString kAltered =
    QStringLiteral("The file was altered or is incomplete and cannot be opened.");
const QString kGone = QStringLiteral("The file is no longer on the server.");

} // namespace

class TestMediaClientStore : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;
    QTemporaryDir m_tmp;
    std::unique_ptr<CutProxy> m_proxy;
    int m_files = 0;

    std::unique_ptr<MediaPeer> peer(const QString &prefix) {
        return mediaPeer(m_tmp.path(), m_proxy->url(), m_fx.uniqueName(prefix));
    }
    QString markedFile(const QString &name, qint64 size) {
        const QString dir = m_tmp.filePath(QStringLiteral("out%1").arg(++m_files));
        QDir().mkpath(dir);
        const QString path = dir + u'/' + name;
        return writeMarkedFile(path, size, kMarker, quint32(m_files)) ? path : QString();
    }
    static bool ready(MediaPeer &p) { return p.device->ready; }
    bool pair(std::unique_ptr<MediaPeer> &a, std::unique_ptr<MediaPeer> &b, quint64 &conv) {
        a = peer(QStringLiteral("alice"));
        b = peer(QStringLiteral("bob"));
        if (!a || !b || !waitUntil([&] { return ready(*a) && ready(*b); }, 30000))
            return false;
        conv = a->openDirect(b->name);
        return conv != 0;
    }
    //! Sends `paths` (one message each), waits for the uploads and for `to` to receive them;
    //! the messages as `to` stored them.
    QList<client::MessageRecord> deliver(MediaPeer &from, MediaPeer &to, quint64 conv,
                                         const QStringList &paths) {
        auto ids = from.media().sendFiles(conv, outgoing(paths));
        if (!ids)
            return {};
        QList<client::MessageRecord> out;
        for (const QString &id : *ids) {
            if (!waitUntil([&] { return to.received(id).has_value(); }, 60000))
                return {};
            out.append(*to.received(id));
        }
        return out;
    }
    QString blobOf(const client::MessageRecord &m) {
        return blobFile(m_fx.server().dataDir(), m.attachments.first().blobId);
    }
    bool runMaintenance() {
        bool done = false;
        m_fx.server().server()->runMaintenance([&](Result<QStringList>) { done = true; });
        return waitUntil([&] { return done; }, 30000);
    }

private slots:
    void initTestCase() {
        server::ServerConfig config;
        config.mediaRetentionDays = 3;
        const QString err = m_fx.start(config);
        QVERIFY2(err.isEmpty(), qPrintable(err));
        m_proxy = std::make_unique<CutProxy>(quint16(m_fx.url().port()));
        QVERIFY(m_proxy->listen());
    }

    void alteredShortenedAndMissingBlobsFailInWords() {
        std::unique_ptr<MediaPeer> alice, bob;
        quint64 conv = 0;
        QVERIFY(pair(alice, bob, conv));
        const QString altered = markedFile(QStringLiteral("contract.pdf"), 3 * kMiB + 5);
        const QString shortened = markedFile(QStringLiteral("minutes.txt"), 2 * kMiB);
        const QString missing = markedFile(QStringLiteral("slides.odp"), 1 * kMiB);
        const auto msgs = deliver(*alice, *bob, conv, {altered, shortened, missing});
        QCOMPARE(msgs.size(), 3);

        // The server's disk (or someone with access to it) damages the blobs.
        QFile a(blobOf(msgs[0]));
        QVERIFY(a.open(QIODevice::ReadWrite));
        const QByteArray original = a.readAll();
        QVERIFY(a.seek(original.size() / 2));
        QVERIFY(a.putChar(char(original.at(original.size() / 2) ^ 0x20)));
        a.close();
        QVERIFY(QFile::resize(blobOf(msgs[1]), QFileInfo(blobOf(msgs[1])).size() / 2));
        QVERIFY(QFile::remove(blobOf(msgs[2])));

        for (const auto &m : msgs)
            bob->media().download(conv, m.seq);
        for (const auto &m : msgs)
            MEDIA_WAIT_COMPARE(bob->stateOf(conv, m.seq), Transfer::Failed, 30000);
        const QStringList words{kAltered, kAltered, kGone};
        for (int i = 0; i < 3; ++i) {
            const auto got = bob->attachmentAt(conv, msgs[i].seq);
            QCOMPARE(got->record.transferError, words[i]);
            QVERIFY(got->record.localPath.isEmpty());
            QCOMPARE(bob->transfers.value(msgs[i].clientMessageId).transfer, Transfer::Failed);
        }
        QVERIFY(bob->downloaded.isEmpty());
        // Nothing partial stays on bob's device: no plaintext, no ciphertext scratch.
        QCOMPARE(filesContaining(bob->dir, kMarker), QStringList{});
        QDir media(bob->media().directory());
        const QStringList left = media.entryList(QDir::Files | QDir::NoDotAndDotDot);
        QVERIFY2(left.isEmpty(), qPrintable(left.join(u' ')));

        // The blob is repaired on the server: a retry fetches it whole.
        QVERIFY(a.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(a.write(original), original.size());
        a.close();
        bob->media().retry(msgs[0].clientMessageId);
        MEDIA_WAIT(bob->wasDownloaded(msgs[0].seq), 30000);
        QCOMPARE(sha256OfFile(bob->attachmentAt(conv, msgs[0].seq)->record.localPath),
                 sha256OfFile(altered));
        QCOMPARE(bob->stateOf(conv, msgs[1].seq), Transfer::Failed);
    }

    void anExpiredTokenIsRenewedOnceAndALoggedOutDeviceGetsNothing() {
        std::unique_ptr<MediaPeer> alice, bob;
        quint64 conv = 0;
        QVERIFY(pair(alice, bob, conv));
        // Bob's laptop, linked so that it can read his messages.
        auto laptop = mediaPeer(m_tmp.path(), m_proxy->url(), bob->name, false);
        QVERIFY(laptop);
        bool linkedOld = false, linkedNew = false;
        bob->client().devices().createLinkCode(
            [&](Result<QString> code) {
                QVERIFY(code.ok());
                laptop->client().devices().linkDevice(*code, [&](Status s) { linkedNew = s.ok(); });
            },
            [&](Status s) { linkedOld = s.ok(); });
        MEDIA_WAIT(linkedOld && linkedNew, 30000);
        MEDIA_WAIT(ready(*laptop), 30000);

        const QString file = markedFile(QStringLiteral("boarding-pass.pdf"), 2 * kMiB);
        const QString id = alice->media().sendFiles(conv, outgoing({file}))->first();
        MEDIA_WAIT(bob->received(id) && laptop->received(id), 60000);
        const quint64 seq = bob->received(id)->seq;

        // Bob's token expires on the server (its clock moves on 11 minutes): the first request
        // is refused, the client asks for a new token once and the download goes on.
        QCOMPARE(bob->media().tokens().fetches(), 0);
        bob->media().download(conv, seq); // fetches a token
        MEDIA_WAIT(bob->wasDownloaded(seq), 30000);
        QCOMPARE(bob->media().tokens().fetches(), 1);
        QVERIFY(bob->media().deleteLocalCopy(conv, seq).ok());
        m_proxy->resetCounts();
        m_fx.shiftClock(11 * 60'000);
        bob->media().download(conv, seq);
        MEDIA_WAIT(bob->downloaded.size() == 2, 30000);
        QCOMPARE(bob->media().tokens().fetches(), 2);
        QCOMPARE(m_proxy->statuses.first(), quint64(401));
        QVERIFY(m_proxy->statuses.contains(200));
        m_fx.shiftClock(-11 * 60'000);
        QCOMPARE(sha256OfFile(bob->attachmentAt(conv, seq)->record.localPath), sha256OfFile(file));

        // Bob logs the laptop out: the server refuses it, and every transfer it tries fails in
        // words (rather than waiting for a session that cannot come), with no file.
        laptop->media().download(conv, laptop->received(id)->seq); // it can while linked
        MEDIA_WAIT(laptop->wasDownloaded(laptop->received(id)->seq), 30000);
        QVERIFY(laptop->media().tokens().last().has_value());
        const QString other = markedFile(QStringLiteral("itinerary.pdf"), 1 * kMiB);
        const QString otherId = alice->media().sendFiles(conv, outgoing({other}))->first();
        MEDIA_WAIT(laptop->received(otherId), 60000);
        const quint64 otherSeq = laptop->received(otherId)->seq;
        QSignalSpy signedOut(&laptop->client(), &client::Client::fatalError);
        bool revoked = false;
        bob->client().devices().revoke(laptop->device->deviceId(),
                                       [&](Status s) { revoked = s.ok(); });
        MEDIA_WAIT(revoked && signedOut.size() == 1, 30000);
        m_proxy->resetCounts();
        laptop->media().download(conv, otherSeq);
        MEDIA_WAIT_COMPARE(laptop->stateOf(conv, otherSeq), Transfer::Failed, 30000);
        QCOMPARE(laptop->attachmentAt(conv, otherSeq)->record.transferError,
                 QStringLiteral("The server refused the transfer."));
        QVERIFY(laptop->attachmentAt(conv, otherSeq)->record.localPath.isEmpty());
        QVERIFY(!laptop->wasDownloaded(otherSeq));
        QVERIFY(!m_proxy->statuses.contains(200) && !m_proxy->statuses.contains(206));
        // Its old media token is refused too (the server knows of the revocation at once).
        const QByteArray stale = laptop->media().tokens().last()->token;
        MediaClient direct(quint16(m_fx.url().port()), stale);
        const HttpReply refused = direct.get(bob->received(id)->attachments.first().blobId);
        QCOMPARE(refused.status, 401);
        QCOMPARE(refused.error(), QStringLiteral("NOT_AUTHENTICATED"));
    }

    void expiryKeepsWhatMessagesPointToAndDropsTheRest() {
        std::unique_ptr<MediaPeer> alice, bob;
        quint64 conv = 0;
        QVERIFY(pair(alice, bob, conv));
        const QString kept = markedFile(QStringLiteral("recipe.txt"), 1 * kMiB + 1);
        const auto msgs = deliver(*alice, *bob, conv, {kept});
        QCOMPARE(msgs.size(), 1);
        const QString blob = msgs[0].attachments.first().blobId;
        const QString aliceId =
            m_fx.sql(QStringLiteral("SELECT id FROM users WHERE username = '%1'").arg(alice->name));
        const auto uploadsOfAlice = [&] {
            return m_fx.sql(QStringLiteral("SELECT count(*) FROM media_uploads WHERE user_id = %1")
                                .arg(aliceId));
        };

        // An upload alice cancels half-way is gone from the server at once (no day of waiting).
        const QString dropped = markedFile(QStringLiteral("draft.mov"), 8 * kMiB);
        m_proxy->resetCounts();
        m_proxy->holdUpAt(3 * kMiB);
        const QString droppedId = alice->media().sendFiles(conv, outgoing({dropped}))->first();
        MEDIA_WAIT(m_proxy->holding(), 30000);
        QCOMPARE(uploadsOfAlice(), QStringLiteral("1"));
        alice->media().cancel(droppedId);
        QCOMPARE(alice->mine(droppedId)->record.transfer, Transfer::Cancelled);
        // The server has not heard yet that the chunk was cut off (the proxy keeps that side of
        // the connection open): it answers "busy", and the client asks again until it is gone.
        MEDIA_WAIT(m_proxy->statuses.contains(429), 30000);
        QCOMPARE(uploadsOfAlice(), QStringLiteral("1"));
        m_proxy->release();
        MEDIA_WAIT_COMPARE(uploadsOfAlice(), QStringLiteral("0"), 30000);
        MEDIA_WAIT_COMPARE(m_proxy->statuses.last(), quint64(204), 30000);

        // A day later the blob of the message is still there (it is referenced); bob, who had
        // not fetched it yet, gets it with a fresh token.
        m_fx.shiftClock(25 * kHour);
        QVERIFY(runMaintenance());
        QVERIFY(QFileInfo::exists(blobFile(m_fx.server().dataDir(), blob)));
        bob->media().download(conv, msgs[0].seq);
        MEDIA_WAIT(bob->wasDownloaded(msgs[0].seq), 30000);
        QCOMPARE(sha256OfFile(bob->attachmentAt(conv, msgs[0].seq)->record.localPath),
                 sha256OfFile(kept));

        // Past the media retention (3 days here) the server removes it; bob's copy on his device
        // stays, and a fetch after deleting it says in words that it is gone.
        m_fx.shiftClock(3 * 24 * kHour);
        QVERIFY(runMaintenance());
        QVERIFY(!QFileInfo::exists(blobFile(m_fx.server().dataDir(), blob)));
        QCOMPARE(bob->stateOf(conv, msgs[0].seq), Transfer::Done);
        QVERIFY(bob->media().deleteLocalCopy(conv, msgs[0].seq).ok());
        bob->media().download(conv, msgs[0].seq);
        MEDIA_WAIT_COMPARE(bob->stateOf(conv, msgs[0].seq), Transfer::Failed, 30000);
        QCOMPARE(bob->attachmentAt(conv, msgs[0].seq)->record.transferError, kGone);
        m_fx.shiftClock(-(25 + 3 * 24) * kHour);
    }

    void aBlobCollectedBeforeItsMessageWentOutIsUploadedAgain() {
        std::unique_ptr<MediaPeer> alice, bob;
        quint64 conv = 0;
        QVERIFY(pair(alice, bob, conv));
        // Alice's device has a media token, then loses the server's messaging (its uploads
        // still go through): the message waits in the outbox after its upload finished.
        bool haveToken = false;
        alice->media().tokens().get([&](Result<client::MediaToken> t) { haveToken = t.ok(); });
        MEDIA_WAIT(haveToken, 30000);
        QSignalSpy disconnected(&alice->client(), &client::Client::disconnected);
        QSignalSpy sendFailed(&alice->client().messaging(), &client::Messaging::sendFailed);
        m_proxy->blockSessions(true);
        MEDIA_WAIT(disconnected.size() > 0, 30000);
        m_proxy->resetCounts();
        const QString file = markedFile(QStringLiteral("scan.pdf"), 2 * kMiB + 9);
        auto ids = alice->media().sendFiles(conv, outgoing({file}));
        QVERIFY(ids.ok());
        const QString id = ids->first();
        MEDIA_WAIT(alice->uploaded.contains(id), 60000);
        const client::StoredAttachment first = *alice->mine(id);
        const QString blob = first.pointer.blobId;
        QVERIFY(!blob.isEmpty());
        // The encrypted blob and its job stay until the server has the message.
        const auto job = alice->device->store->transfers().job(first.messageRowId, 0);
        QVERIFY(job && job->has_value());
        const QString encrypted = (*job)->tempPath;
        QVERIFY(QFileInfo::exists(encrypted));

        // A day passes before the message can go (a laptop asleep): the server collects the
        // blob, which no message points to.
        m_fx.shiftClock(25 * kHour);
        QVERIFY(runMaintenance());
        m_fx.shiftClock(-25 * kHour);
        QVERIFY(!QFileInfo::exists(blobFile(m_fx.server().dataDir(), blob)));
        QCOMPARE(m_fx.sql("SELECT count(*) FROM media_blobs WHERE id = '" + blob + "'"),
                 QStringLiteral("0"));

        // Back online: the server refuses the send (NO_SUCH_BLOB); the device uploads the same
        // ciphertext again, from offset 0, and sends the message once more.
        m_proxy->blockSessions(false);
        MEDIA_WAIT(bob->received(id), 60000);
        QCOMPARE(m_proxy->chunkOffsets.count(0), 2);
        QCOMPARE(alice->states.value(id).count(Transfer::Done), 2);
        QCOMPARE(sendFailed.size(), 0); // never shown as failed
        const client::MessageRecord got = *bob->received(id);
        QCOMPARE(got.attachments.first().blobId, blob); // the same pointer
        QVERIFY(QFileInfo::exists(blobFile(m_fx.server().dataDir(), blob)));
        QCOMPARE(m_fx.sql("SELECT count(*) FROM media_refs WHERE blob_id = '" + blob + "'"),
                 QStringLiteral("1"));
        // Stored: the encrypted blob and the job are gone from alice's device.
        MEDIA_WAIT(!QFileInfo::exists(encrypted), 30000);
        const auto left = alice->device->store->transfers().job(first.messageRowId, 0);
        QVERIFY(left && !left->has_value());
        bob->media().download(conv, got.seq);
        MEDIA_WAIT(bob->wasDownloaded(got.seq), 30000);
        QCOMPARE(sha256OfFile(bob->attachmentAt(conv, got.seq)->record.localPath),
                 sha256OfFile(file));
    }
};

QTEST_MAIN(TestMediaClientStore)
#include "test_media_client_store.moc"
