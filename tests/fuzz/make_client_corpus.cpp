// Writes the seed corpora of the client-side fuzz targets from real objects of the current code:
// signed device lists, a real link hello and grant between two E2eEngines, prepared outbox frames
// of the sample sends, secrets files the stores wrote or open, sealed store rows, and for
// fuzz_e2e_inputs real envelopes, headers, session states and bodies. Keys that seeds depend on
// are the fixed ones of fuzz_fixtures.h. Each seed starts with its target's selector byte (see
// the target's header comment). Regenerate after changing one of these formats:
//
//   ninja -C build tidings_fuzz_make_client_corpus &&
//   build/tests/fuzz/tidings_fuzz_make_client_corpus .
#include "core/e2e/envelope.h"
#include "core/secrets/passphrase_secret_store.h"
#include "core/secrets/secret_store.h"
#include "core/store/store_crypto.h"
#include "core/sync/payload_codec.h"
#include "core/sync/prepared_frames.h"
#include "crypto/device_list.h"
#include "crypto/group_state.h"
#include "crypto/key_succession.h"
#include "crypto/media_stream.h"
#include "crypto/recovery_key.h"
#include "crypto/sender_keys.h"
#include "crypto/session.h"
#include "sample_frames.h"
#include "secrets_fixture.h"
#include "test_e2e_helpers.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QFile>
#include <QTemporaryDir>

using namespace e2etest;
using namespace tidings;
using namespace tidings::crypto;
namespace fs = std::filesystem;

namespace {

bool ok = true;
int written = 0;

void seed(const fs::path &dir, const std::string &name, int selector, const QByteArray &data) {
    ok &= fuzz::writeSeed(dir, name, selector, data);
    ++written;
}

QByteArray bytesOf(const SecretBytes &s) {
    return QByteArray(s.constChar(), qsizetype(s.size()));
}

void deviceLists(const fs::path &dir) {
    const Ed25519KeyPair aik = fuzz::fixedAccountKey();
    DeviceList l;
    l.userId = fuzz::kListUserId;
    l.version = fuzz::kListNewestSeen;
    l.issuedAtMs = 1'700'000'000'000;
    for (quint64 id : {1, 2, 5})
        l.devices.append(DeviceEntry{id, Ed25519KeyPair::generate().publicKey,
                                     X25519KeyPair::generate().publicKey});
    seed(dir, "signed_list", 0, signDeviceList(l, aik));
    seed(dir, "body_list", 1, l.encodeBody());
    DeviceList empty = l;
    empty.devices.clear();
    empty.version = 9;
    seed(dir, "signed_list_empty", 0, signDeviceList(empty, aik));
    DeviceList full = l;
    full.devices.clear();
    for (quint64 id = 1; id <= DeviceList::kMaxDevices; ++id)
        full.devices.append(DeviceEntry{id, QByteArray(32, char(id)), l.devices.at(0).dik});
    seed(dir, "body_max_devices", 1, full.encodeBody());
    DeviceList old = l;
    old.version = fuzz::kListNewestSeen - 1;
    seed(dir, "body_rollback", 1, old.encodeBody());
    DeviceList other = l;
    other.userId = fuzz::kListUserId + 1;
    seed(dir, "body_other_user", 1, other.encodeBody());
}

void groupStates(const fs::path &dir) {
    const Ed25519KeyPair aik = fuzz::fixedAccountKey();
    GroupStateChange genesis = fuzz::fixedGroupGenesis();
    const QByteArray genesisBlob = signGroupChange(genesis, aik);
    seed(dir, "genesis_blob", 0, genesisBlob);
    seed(dir, "genesis_body", 1, genesis.body);
    const GroupState founded =
        *applyGroupChange(GroupState{}, *decodeGroupChange(genesisBlob), aik.publicKey);
    GroupStateChange next;
    next.groupUid = founded.groupUid;
    next.version = 2;
    next.prevHash = founded.headHash;
    next.actorUserId = fuzz::kGroupAdmin;
    next.actorDeviceId = 10;
    next.issuedAtMs = 1'700'000'000'100;
    GroupOp promote;
    promote.kind = GroupOp::Kind::Promote;
    promote.userId = fuzz::kGroupMember;
    GroupOp add;
    add.kind = GroupOp::Kind::Add;
    add.userId = 3;
    add.aik = QByteArray(32, '3');
    GroupOp name;
    name.kind = GroupOp::Kind::Rename;
    name.name = QStringLiteral("Fuzz 2");
    GroupOp setKey;
    setKey.kind = GroupOp::Kind::SetKey;
    setKey.userId = fuzz::kGroupMember;
    setKey.aik = QByteArray(32, 'k');
    next.ops = {promote, add, name, setKey};
    seed(dir, "change_blob", 2, signGroupChange(next, aik));
    seed(dir, "change_body", 3, next.body);
    GroupOp remove;
    remove.kind = GroupOp::Kind::Remove;
    remove.userId = fuzz::kGroupMember;
    GroupOp leave;
    leave.kind = GroupOp::Kind::Leave;
    next.ops = {remove, leave};
    seed(dir, "remove_leave_body", 3, next.encodeBody());
}

void keySuccessions(const fs::path &dir) {
    // Selectors of fuzz_key_succession: 0 blob, 1 body (signed there), 2 recovery key text,
    // 3 device list body, 4 handoff. Every key here is fixed (fuzz_fixtures.h).
    const Ed25519KeyPair oldAik = fuzz::fixedAccountKey();
    const Ed25519KeyPair newAik = fuzz::fixedNextAccountKey();
    const SecretBytes r = fuzz::fixedRecoverySecret();
    const Ed25519KeyPair rsk = must(recoverySigningKey(r), "rsk");
    const auto bodyOf = [](const QByteArray &blob) { return ByteReader(blob).getBlob(1 << 14); };

    const KeySuccession rotation = fuzz::fixedRotation();
    const QByteArray rotationBlob = signSuccession(rotation, oldAik, newAik);
    seed(dir, "rotation", 0, rotationBlob);
    seed(dir, "rotation_body", 1, bodyOf(rotationBlob));

    DeviceList list;
    list.userId = fuzz::kListUserId;
    list.version = rotation.lastVersion;
    list.issuedAtMs = 1'699'999'999'000;
    list.recoveryKey = rsk.publicKey;
    list.devices = {{1, QByteArray(32, '\x11'), fuzz::fixedHandoffDik().publicKey},
                    {fuzz::kHandoffDevice, QByteArray(32, '\x22'), QByteArray(32, '\x23')}};
    KeySuccession recovery = rotation;
    recovery.authority = SuccessionAuthority::RecoveryKey;
    recovery.embeddedList = signDeviceList(list, oldAik);
    const QByteArray recoveryBlob = signRecoverySuccession(recovery, rsk, newAik);
    seed(dir, "recovery", 0, recoveryBlob);
    seed(dir, "recovery_body", 1, bodyOf(recoveryBlob));
    // Refused: the embedded list names no recovery key.
    DeviceList plain = list;
    plain.recoveryKey.clear();
    recovery.embeddedList = signDeviceList(plain, oldAik);
    QByteArray noRsk = bodyOf(recoveryBlob);
    noRsk.truncate(3 + 1 + 1 + 8 + 32 + 32 + 8 + 8);
    appendBlob(noRsk, recovery.embeddedList);
    seed(dir, "recovery_body_no_rsk", 1, noRsk);

    const QString text = encodeRecoveryKey(r);
    seed(dir, "recovery_key", 2, text.toLatin1());
    seed(dir, "recovery_key_typed", 2,
         QString(text).replace(QLatin1Char('-'), QLatin1Char(' ')).toLower().toLatin1());

    seed(dir, "list_body_rsk", 3, list.encodeBody());
    seed(dir, "list_body", 3, plain.encodeBody());

    // Sealed with a fresh ephemeral key; opens in every run (fixed DIK, fixed statement).
    seed(dir, "handoff", 4,
         sealHandoff(fuzz::kListUserId, fuzz::kHandoffDevice, fuzz::fixedHandoffDik().publicKey,
                     newAik, rotationBlob));
}

void linkMessages(const fs::path &dir) {
    // The ids fuzz_link_messages uses: account 2, existing device 1, new device 2.
    FakeServer server;
    Device existing{2, 1};
    Device linker{2, 2};
    setUpFirstDevice(server, existing);
    must(linker->ensureDeviceKeys(2, 2, false), "keys");
    const QString code = must(existing->createLinkCode(1), "code");
    const QByteArray hello = must(linker->linkHello(code, 2, 2), "hello").second;
    seed(dir, "hello", 0, hello);
    seed(dir, "hello_body", 1, hello.chopped(32));
    QByteArray wrongTarget = hello.chopped(32);
    wrongTarget[1 + 8 + 8 + 7] = char(3);
    seed(dir, "hello_body_other_target", 1, wrongTarget);
    const auto grant = must(existing->answerLinkHello(2, hello), "grant");
    seed(dir, "grant", 2, grant.blob);
    QByteArray plain;
    appendU64(plain, 2);
    appendU64(plain, 2);
    plain += QByteArray(32, 's');
    seed(dir, "grant_plaintext", 3, plain);
    QByteArray otherDevice;
    appendU64(otherDevice, 2);
    appendU64(otherDevice, 3);
    otherDevice += QByteArray(32, 's');
    seed(dir, "grant_plaintext_other_device", 3, otherDevice);
}

client::media::AttachmentDescriptor attachment() {
    client::media::AttachmentDescriptor a;
    a.key = QCryptographicHash::hash("key", QCryptographicHash::Sha256);
    a.ciphertextSha256 = QCryptographicHash::hash("blob", QCryptographicHash::Sha256);
    a.blobId = QString::fromLatin1(a.ciphertextSha256.toHex());
    a.plaintextSize = 5000;
    a.ciphertextSize = crypto::mediaBlobSize(a.plaintextSize);
    a.chunkSize = crypto::kMediaChunkSize;
    a.fileName = QStringLiteral("photo.jpg");
    a.mimeType = QStringLiteral("image/jpeg");
    a.kind = client::media::AttachmentKind::Image;
    a.width = 640;
    a.height = 480;
    a.thumbnail = QByteArray(40, 't');
    return a;
}

void outboxFrames(const fs::path &dir) {
    wire::SendRequest message;
    for (const auto &s : testing::validClientFrames())
        if (s.frame.has_send_request())
            message = s.frame.send_request();
    client::PreparedSend p;
    p.message = message;
    seed(dir, "prepared_message", 0, client::encodePreparedSend(p));
    p.message = testing::sampleSendWithAttachments().send_request();
    for (int i = 0; i < 2; ++i) {
        wire::SendRequest d;
        d.set_conversation_id(message.conversation_id());
        d.set_client_message_id(message.client_message_id() + "-d" + std::to_string(i));
        auto *e = d.add_envelopes();
        e->set_user_id(quint64(3 + i));
        e->set_device_id(1);
        e->set_payload(std::string(90, char('e' + i)));
        p.before.append(d);
    }
    seed(dir, "prepared_with_distributions", 0, client::encodePreparedSend(p));
    QByteArray parts;
    for (const auto &r : p.before)
        parts += QByteArray::fromStdString(r.SerializeAsString()) + '\xff';
    parts += QByteArray::fromStdString(p.message.SerializeAsString());
    seed(dir, "requests", 1, parts);
}

void secretsFiles(const fs::path &dir) {
    QTemporaryDir tmp;
    const QString path = tmp.filePath(QStringLiteral("secrets"));
    client::FileSecretStore files(path);
    must(files.write(client::kDeviceTokenKey, "device-token-1234"), "write");
    must(files.write(QStringLiteral("local_master_key"), QByteArray(32, '\x07')), "write");
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    seed(dir, "file_store", 0, f.readAll());
    seed(dir, "file_store_empty", 0, "{}");
    seed(dir, "file_store_not_object", 0, "[\"x\"]");
    // The plaintext PassphraseSecretStore::save() writes: {key: base64} in one object.
    const QByteArray plain = R"({"device_token":"ZGV2aWNlLXRva2Vu","local_master_key":")" +
                             QByteArray(32, '\x07').toBase64() + "\"}";
    const QByteArray file = fuzz::sealedSecretsFile(plain);
    QFile out(path);
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) || out.write(file) != file.size())
        qFatal("cannot write %s", qPrintable(path));
    out.close();
    auto store = client::PassphraseSecretStore::unlock(path, fuzz::kSecretsPassphrase);
    if (!store || !(*store)->read(client::kDeviceTokenKey))
        qFatal("the passphrase seed does not unlock");
    seed(dir, "passphrase_file", 1, file);
    // Costs the format refuses, below the minimum and not numbers a cost can be.
    QByteArray negative = file;
    negative.replace("\"ops\": 1", "\"ops\": -1");
    seed(dir, "passphrase_file_negative_ops", 1, negative);
    QByteArray huge = file;
    huge.replace("\"mem\": 8192", "\"mem\": 1e300");
    seed(dir, "passphrase_file_huge_mem", 1, huge);
    seed(dir, "passphrase_plaintext", 2, plain);
}

void sealedRows(const fs::path &dir) {
    const client::detail::StoreCipher cipher(fuzz::fixedMasterKey());
    const fuzz::SealedRow r;
    const QString text = QStringLiteral("Grüße, Ÿvonne! café ﬁ 123 é");
    const QByteArray payload = client::encodePayload(client::MessageContent(text, 1700000000000));
    const QByteArray pointer = client::encodeAttachment(attachment());
    // The kinds of fuzz_sealed_rows: 0 text, 1 payload, 2 draft, 3 pointer, 4 path, 5 job, 6 check.
    auto both = [&](const char *name, int kind, const QByteArray &plain, const QByteArray &sealed) {
        seed(dir, std::string("sealed_") + name, 0, QByteArray(1, char(kind)) + sealed);
        seed(dir, std::string("plain_") + name, 1, QByteArray(1, char(kind)) + plain);
    };
    both("text", 0, text.toUtf8(), cipher.sealText(text, r.conversation, r.sender, r.messageId));
    both("payload", 1, payload, cipher.sealPayload(payload, r.conversation, r.messageId));
    both("draft", 2, text.toUtf8(), cipher.sealDraft(text, r.conversation));
    both("pointer", 3, pointer, cipher.sealAttachment("pointer", pointer, r.rowId, r.index));
    const QByteArray path("/home/user/Pictures/photo.jpg");
    both("path", 4, path, cipher.sealAttachment("path", path, r.rowId, r.index));
    const QByteArray job(48, 'j');
    both("job", 5, job, cipher.sealAttachment("job", job, r.rowId, r.index));
    seed(dir, "key_check", 0, QByteArray(1, char(6)) + cipher.keyCheck());
}

void e2eInputs(const fs::path &dir) {
    // Selector 8: headers; 9: session states; 10 and 11: bodies (fuzz_e2e_inputs.cpp).
    FakeServer server;
    Device alice{1, 1};
    Device bob{2, 1};
    setUpFirstDevice(server, alice);
    setUpFirstDevice(server, bob);
    introduce(server, bob, alice);
    const QByteArray envelope = qba(sendText(bob, alice, QStringLiteral("hi")).envelope());
    seed(dir, "headers-envelope", 8, envelope);
    const QByteArray pkm = envelope.mid(1);
    seed(dir, "headers-prekey-message", 8, pkm);
    seed(dir, "headers-ratchet-message", 8, must(PreKeyMessage::decode(pkm), "pkm").ratchetMessage);
    SenderKeySender sks = SenderKeySender::create(QByteArray(8, '\x09'));
    const QByteArray dist = bytesOf(sks.distribution().serialize());
    seed(dir, "headers-distribution", 8, dist);
    seed(dir, "headers-group-message", 8, must(sks.encrypt(QByteArray("x")), "group"));

    const SecretBytes shared = SecretBytes::random(32);
    const X25519KeyPair spk = X25519KeyPair::generate();
    auto ratchet =
        must(RatchetSession::initInitiator(shared, QByteArray("ad"), spk.publicKey), "r");
    must(ratchet.encrypt(QByteArray("advance")), "advance");
    seed(dir, "state-ratchet", 9, bytesOf(ratchet.serialize()));
    seed(dir, "state-sender-key-sender", 9, bytesOf(sks.serialize()));
    auto rx = must(SenderKeyReceiver::fromDistribution(sks.distribution()), "rx");
    seed(dir, "state-sender-key-receiver", 9, bytesOf(rx.serialize()));
    PreKeyStore prekeys;
    const Ed25519KeyPair dsk = Ed25519KeyPair::generate();
    prekeys.rotateSignedPreKey(dsk, 1'700'000'000);
    prekeys.generateOneTimePreKeys(2);
    must(prekeys.replayCache().insert(1, X25519KeyPair::generate().publicKey), "replay");
    seed(dir, "state-prekeys", 9, bytesOf(prekeys.serialize()));
    seed(dir, "state-replay-cache", 9, prekeys.replayCache().encode());

    wire::E2eBody text = textBody(QStringLiteral("hello"));
    wire::E2eBody withDist = text;
    withDist.set_sender_key_distribution(dist.toStdString());
    wire::E2eBody withAttachment;
    client::MessageContent content(QStringLiteral("caption"), 1700000000000);
    content.attachments.append(attachment());
    client::contentToWire(content, withAttachment.mutable_content());
    wire::E2eBody resend;
    resend.set_resend_request_seq(41);
    resend.set_resend_request_client_id("c-41");
    const QList<std::pair<const char *, wire::E2eBody>> bodies{{"text", text},
                                                               {"distribution", withDist},
                                                               {"attachment", withAttachment},
                                                               {"resend", resend}};
    for (const auto &[name, body] : bodies) {
        const QByteArray b = bytesOf(must(client::e2e::serializeBody(body), "body"));
        seed(dir, std::string("body-") + name, 10, b);
        seed(dir, std::string("group-body-") + name, 11, b);
    }
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s SOURCE_DIR\n", argv[0]);
        return 2;
    }
    const fs::path root = argv[1];
    const fs::path fuzzDir = root / "tests" / "fuzz";
    deviceLists(fuzzDir / "corpus_device_list");
    groupStates(fuzzDir / "corpus_group_state");
    keySuccessions(fuzzDir / "corpus_key_succession");
    linkMessages(fuzzDir / "corpus_link_messages");
    outboxFrames(fuzzDir / "corpus_outbox_frames");
    secretsFiles(fuzzDir / "corpus_secrets_files");
    sealedRows(fuzzDir / "corpus_sealed_rows");
    e2eInputs(root / "tests" / "unit" / "e2e" / "fuzz_corpus");
    std::printf("make_client_corpus: wrote %d files under %s\n", written, root.c_str());
    return ok ? 0 : 1;
}
