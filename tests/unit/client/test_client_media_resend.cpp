// The Media module when the server refuses a message because its blob was collected before the
// message came (NO_SUCH_BLOB; the relay deletes the blob as the server's expiry did): the same
// ciphertext is uploaded again and the message goes out unchanged, never shown as failed; a blob
// gone on this device too is encrypted again from the local copy; after two such rounds the
// message fails in words and retry() sends it; nothing left to upload from fails in words; a
// restart in the middle of the upload again resumes it. The encrypted blob stays until the
// message is stored, and goes then.
#include "media_fixture.h"

#include "core/sync/payload_codec.h"

using namespace tidings;
using namespace tidings::client;
using namespace tidings::client::test;

namespace {
constexpr int kWait = 20000;

using Transfer = AttachmentRecord::Transfer;

//! The blob id a send's payload points to (plain payloads: no E2E in these tests).
QString blobOf(const wire::SendRequest &send) {
    auto content = decodePayload(QByteArray::fromStdString(send.payload()));
    return content && !content->attachments.isEmpty() ? content->attachments.first().blobId
                                                      : QString();
}

std::optional<TransferJob> jobOf(MediaDevice &d, const QString &id) {
    const auto atts = d.attachmentsOf(id);
    if (atts.isEmpty())
        return std::nullopt;
    auto job = d.store->transfers().job(atts.first().messageRowId, 0);
    return job && job->has_value() ? **job : std::optional<TransferJob>();
}

MessageRecord mine(MediaDevice &d, const QString &id) {
    auto m = d.store->messages().messageByClientId(id, d.me.userId);
    return m && m->has_value() ? **m : MessageRecord();
}

} // namespace

class TestClientMediaResend : public QObject {
    Q_OBJECT
private slots:
    void aSendRefusedForAGoneBlobUploadsTheSameBlobAgain() {
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        const QString path = makeFile(files, u"minutes.pdf"_qs, 300'000, 11);
        r.refuseBlobSends = 1;
        QSignalSpy failed(r.alice().sync.get(), &SyncEngine::sendFailed);
        QSignalSpy uploaded(r.alice().media.get(), &Media::uploaded);
        auto ids = r.alice().media->sendFiles(kChat, {outgoing(path)});
        QVERIFY(ids);
        const QString id = ids->first();
        // Handed to the outbox: the encrypted blob and the job are kept (the send may fail).
        QVERIFY(uploaded.wait(kWait));
        const auto kept = jobOf(r.alice(), id);
        QVERIFY(kept && QFile::exists(kept->tempPath));

        QTRY_VERIFY_WITH_TIMEOUT(r.bob().message(1).seq == 1, kWait);
        QCOMPARE(r.refused.size(), 1);
        QCOMPARE(r.sends.size(), 1);
        QCOMPARE(r.server.creates, 2);
        QCOMPARE(r.server.finishes, 2);
        QCOMPARE(uploaded.size(), 2);
        QCOMPARE(failed.size(), 0);
        // The same ciphertext under the same key: the message went out unchanged.
        QCOMPARE(r.sends.first().payload(), r.refused.first().payload());
        QCOMPARE(r.sends.first().attachment_blob_ids(0), r.refused.first().attachment_blob_ids(0));
        QVERIFY(r.server.hasBlob(blobOf(r.sends.first())));
        QVERIFY(!mine(r.alice(), id).failed);
        // Stored: the encrypted blob and the job went.
        QTRY_VERIFY_WITH_TIMEOUT(!QFile::exists(kept->tempPath), kWait);
        QVERIFY(!jobOf(r.alice(), id));
        QSignalSpy downloaded(r.bob().media.get(), &Media::downloaded);
        r.bob().media->download(kChat, 1);
        QVERIFY(downloaded.wait(kWait));
        QCOMPARE(sha256Of(downloaded.first().at(2).toString()), sha256Of(path));
    }

    void aBlobGoneHereTooIsEncryptedAgainFromTheLocalCopy() {
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        const QString path = makeFile(files, u"photo-album.zip"_qs, 200'000, 12);
        const QByteArray original = sha256Of(path);
        r.refuseBlobSends = 1;
        // As the message goes out, its encrypted blob is lost on this device too, and the user
        // deletes the file they had picked: only the profile's copy is left.
        QString localCopy;
        connect(r.alice().media.get(), &Media::uploaded, this, [&](quint64, const QString &id) {
            if (!r.refused.isEmpty())
                return;
            QFile::remove(jobOf(r.alice(), id)->tempPath);
            QFile::remove(path);
            localCopy = r.alice().attachmentsOf(id).first().record.localPath;
        });
        auto ids = r.alice().media->sendFiles(kChat, {outgoing(path)});
        QVERIFY(ids);
        QTRY_VERIFY_WITH_TIMEOUT(r.bob().message(1).seq == 1, kWait);
        QCOMPARE(r.refused.size(), 1);
        QVERIFY(!localCopy.isEmpty());
        // Encrypted anew (a new key, so a new blob), from the same local copy, which stays.
        QVERIFY(blobOf(r.sends.first()) != blobOf(r.refused.first()));
        QCOMPARE(r.alice().attachmentsOf(ids->first()).first().record.localPath, localCopy);
        QCOMPARE(sha256Of(localCopy), original);
        QSignalSpy downloaded(r.bob().media.get(), &Media::downloaded);
        r.bob().media->download(kChat, 1);
        QVERIFY(downloaded.wait(kWait));
        QCOMPARE(sha256Of(downloaded.first().at(2).toString()), original);
    }

    void afterTwoUploadsAgainTheMessageFailsAndRetrySendsIt() {
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        const QString path = makeFile(files, u"thesis.pdf"_qs, 100'000, 13);
        r.refuseBlobSends = 3;
        QSignalSpy failed(r.alice().sync.get(), &SyncEngine::sendFailed);
        QSignalSpy transferFailed(r.alice().media.get(), &Media::transferFailed);
        QList<ErrorCode> codes;
        connect(r.alice().sync.get(), &SyncEngine::sendFailed, this,
                [&](const QString &, const Error &e) { codes.append(e.code); });
        auto ids = r.alice().media->sendFiles(kChat, {outgoing(path)});
        QVERIFY(ids);
        const QString id = ids->first();
        QVERIFY(failed.wait(kWait));
        QCOMPARE(codes, QList<ErrorCode>{ErrorCode::NoSuchBlob});
        QCOMPARE(r.refused.size(), 3);
        QCOMPARE(r.server.creates, 3); // the first upload and two more
        QCOMPARE(transferFailed.size(), 1);
        const StoredAttachment a = r.alice().attachmentsOf(id).first();
        QCOMPARE(a.record.transfer, Transfer::Failed);
        QCOMPARE(a.record.transferError, u"The server lost the upload."_qs);
        QVERIFY(mine(r.alice(), id).failed);
        QVERIFY(r.sends.isEmpty());

        // The user retries: uploaded once more, sent, no longer failed.
        r.alice().media->retry(id);
        QTRY_VERIFY_WITH_TIMEOUT(r.bob().message(1).seq == 1, kWait);
        QCOMPARE(r.server.creates, 4);
        QCOMPARE(failed.size(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(mine(r.alice(), id).seq == 1, kWait);
        QVERIFY(!mine(r.alice(), id).failed);
    }

    void nothingLeftToUploadFromFailsInWords() {
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        const QString path = makeFile(files, u"notes.txt"_qs, 50'000, 14);
        r.refuseBlobSends = 1;
        connect(r.alice().media.get(), &Media::uploaded, this, [&](quint64, const QString &id) {
            QFile::remove(jobOf(r.alice(), id)->tempPath);
            QFile::remove(r.alice().attachmentsOf(id).first().record.localPath);
            QFile::remove(path);
        });
        QSignalSpy failed(r.alice().sync.get(), &SyncEngine::sendFailed);
        auto ids = r.alice().media->sendFiles(kChat, {outgoing(path)});
        QVERIFY(ids);
        QVERIFY(failed.wait(kWait));
        const StoredAttachment a = r.alice().attachmentsOf(ids->first()).first();
        QCOMPARE(a.record.transfer, Transfer::Failed);
        QCOMPARE(a.record.transferError,
                 u"The file is no longer on the server nor on this device."_qs);
        QCOMPARE(r.server.creates, 1);
        QVERIFY(r.sends.isEmpty());
    }

    void aRestartDuringTheUploadAgainResumesIt() {
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        const qsizetype size = 1'000'000;
        const QString path = makeFile(files, u"video.bin"_qs, size, 15);
        r.refuseBlobSends = 1;
        auto ids = r.alice().media->sendFiles(kChat, {outgoing(path)});
        QVERIFY(ids);
        QTRY_COMPARE_WITH_TIMEOUT(r.refused.size(), 1, kWait);
        r.server.patchDelayMs = 20;
        const int patchesBefore = r.server.patches;
        QTRY_VERIFY_WITH_TIMEOUT(r.server.patches >= patchesBefore + 3, kWait);
        r.alice().stop(); // the app quits while uploading again
        QCOMPARE(stateOf(r, ids->first()), Transfer::Running);
        r.server.patchDelayMs = 0;
        r.alice().start(&r, 0);
        QTRY_VERIFY_WITH_TIMEOUT(r.bob().message(1).seq == 1, kWait);
        QCOMPARE(r.server.creates, 2); // the upload again resumed, not started over
        QCOMPARE(r.sends.first().payload(), r.refused.first().payload());
        QSignalSpy downloaded(r.bob().media.get(), &Media::downloaded);
        r.bob().media->download(kChat, 1);
        QVERIFY(downloaded.wait(kWait));
        QCOMPARE(sha256Of(downloaded.first().at(2).toString()), sha256Of(path));
        QTRY_COMPARE_WITH_TIMEOUT(
            QDir(r.alice().media->directory() + u"/tmp"_qs).entryList(QDir::Files).size(), 0,
            kWait);
    }

private:
    static Transfer stateOf(Relay &r, const QString &id) {
        const auto a = r.alice().attachmentsOf(id);
        return a.isEmpty() ? Transfer::None : a.first().record.transfer;
    }
};

QTEST_MAIN(TestClientMediaResend)
#include "test_client_media_resend.moc"
