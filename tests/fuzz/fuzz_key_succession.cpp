// libFuzzer target for account-key successions and what travels with them (shared/crypto:
// key_succession, recovery_key, device_list format 2; docs/design/account-key-lifecycle.md), what
// a client reads from DEVICE_LIST_RESPONSE.successions and ACCOUNT_KEY_PUSH, what the server reads
// from PUBLISH_DEVICE_LIST and RECOVER_ACCOUNT, and what a user types as a recovery key. The first
// input byte (mod 5) picks the entry:
//   0  the bytes are a whole statement blob (u32 len ‖ body ‖ two signatures), for user 7
//   1  the bytes are a statement body, signed here: by the fixed old account key (authority byte
//      1) or the fixed recovery signing key (otherwise), and by the fixed new account key
//   2  the bytes are Latin-1 text given to decodeRecoveryKey
//   3  the bytes are a device list body given to DeviceList::decodeBody (formats 1 and 2)
//   4  the bytes are a handoff opened with the fixed DIK of device 2 for the fixed rotation
// Checked: an accepted statement is about user 7 (and refused for user 8), names two different
// 32-byte keys, is signed by the key its authority names (for authority 2 the embedded list
// verifies under the old key, names a recovery key and has version last_version) and is the one
// encoding of its content (signing it again gives the same bytes); a body signed here by the
// right keys is accepted unless it is refused for a reason the target can see; an accepted
// recovery key is the one text encodeRecoveryKey writes, up to case, spaces and dashes; an
// accepted list body re-encodes to the same bytes and carries no all-zero key; an opened handoff
// gives the fixed new key; every refusal is a typed error.
// Seeds: corpus_key_succession/, written by tidings_fuzz_make_client_corpus.
#include "crypto/crypto_error.h"
#include "crypto/device_list.h"
#include "crypto/key_succession.h"
#include "crypto/recovery_key.h"
#include "fuzz_fixtures.h"

#include <cstddef>
#include <cstdint>

using namespace tidings;
using namespace tidings::crypto;

namespace {

const Ed25519KeyPair *oldAik = nullptr;
const Ed25519KeyPair *newAik = nullptr;
const Ed25519KeyPair *rsk = nullptr;
const X25519KeyPair *dik = nullptr;
const QByteArray *rotationBlob = nullptr;

[[noreturn]] void fail(const char *what) {
    fuzz::fail("fuzz_key_succession", what);
}

void checkRefusal(const Error &e) {
    if (e.detail.isEmpty() || cryptoErrorOf(e) == CryptoError::None)
        fail("a refusal without a typed reason");
}

//! The blob format of key_succession.h, built here so the fuzzer controls the body.
QByteArray signBody(const QByteArray &body, const Ed25519KeyPair &authority) {
    const QByteArray message = QByteArray("TidingsKeySuccessionv1") + body;
    QByteArray blob;
    appendBlob(blob, body);
    return blob + ed25519Sign(authority.secretKey, message) +
           ed25519Sign(newAik->secretKey, message);
}

void checkStatement(const KeySuccession &s, const QByteArray &blob) {
    if (s.userId != fuzz::kListUserId)
        fail("accepted a statement about another user");
    if (s.oldKey.size() != qsizetype(kKeySize) || s.newKey.size() != qsizetype(kKeySize))
        fail("accepted a key that is not 32 bytes");
    if (s.oldKey == s.newKey)
        fail("accepted a key succeeding itself");
    if (verifySuccession(blob, fuzz::kListUserId + 1))
        fail("a statement was accepted for another user");
    QByteArray again;
    switch (s.authority) {
    case SuccessionAuthority::PreviousKey:
        if (!s.embeddedList.isEmpty())
            fail("an authority-1 statement with an embedded list");
        if (s.oldKey == oldAik->publicKey && s.newKey == newAik->publicKey)
            again = signSuccession(s, *oldAik, *newAik);
        break;
    case SuccessionAuthority::RecoveryKey: {
        auto list = verifyDeviceList(s.embeddedList, s.oldKey, s.userId, 0);
        if (!list)
            fail("accepted a recovery whose list does not verify under the old key");
        if (list->recoveryKey.isEmpty())
            fail("accepted a recovery whose list names no recovery key");
        if (list->version != s.lastVersion)
            fail("accepted a recovery with another last version than its list");
        if (list->recoveryKey == rsk->publicKey && s.newKey == newAik->publicKey)
            again = signRecoverySuccession(s, *rsk, *newAik);
        break;
    }
    default:
        fail("accepted an unknown authority");
    }
    // Only the fixed keys can sign here; with them, one statement has one encoding.
    if (!again.isEmpty() && again != blob)
        fail("an accepted statement is not the one encoding of its content");
}

void statementBlob(const QByteArray &data) {
    auto r = verifySuccession(data, fuzz::kListUserId);
    if (!r) {
        checkRefusal(r.error());
        return;
    }
    checkStatement(*r, data);
}

void signedBody(const QByteArray &body) {
    const bool byOldKey = body.size() > 4 && body.at(4) == 1;
    const QByteArray blob = signBody(body, byOldKey ? *oldAik : *rsk);
    auto r = verifySuccession(blob, fuzz::kListUserId);
    if (!r) {
        checkRefusal(r.error());
        // A statement the right keys signed is refused only for what the body says.
        if (cryptoErrorOf(r.error()) == CryptoError::BadSignature && byOldKey &&
            body.mid(13, 32) == oldAik->publicKey && body.mid(45, 32) == newAik->publicKey)
            fail("a statement signed by its old and new keys was refused as unsigned");
        return;
    }
    // Signatures bind the keys: only the signers' keys are accepted.
    if (r->newKey != newAik->publicKey)
        fail("accepted a new key that did not sign");
    if (r->authority == SuccessionAuthority::PreviousKey && r->oldKey != oldAik->publicKey)
        fail("accepted an old key that did not sign");
    checkStatement(*r, blob);
}

void recoveryText(const QByteArray &data) {
    const QString text = QString::fromLatin1(data);
    auto r = decodeRecoveryKey(text);
    if (!r) {
        checkRefusal(r.error());
        if (cryptoErrorOf(r.error()) != CryptoError::Malformed)
            fail("a recovery key refused as something else than malformed");
        return;
    }
    if (r->size() != kRecoverySecretSize)
        fail("a recovery secret that is not 32 bytes");
    QString compact;
    for (QChar c : text)
        if (c != QLatin1Char('-') && !c.isSpace())
            compact.append(c.toUpper());
    if (QString(encodeRecoveryKey(*r)).remove(QLatin1Char('-')) != compact)
        fail("an accepted recovery key is not the text of its secret");
    if (!recoverySigningKey(*r))
        fail("no signing key for an accepted recovery key");
}

void listBody(const QByteArray &data) {
    auto l = DeviceList::decodeBody(data);
    if (!l) {
        checkRefusal(l.error());
        return;
    }
    if (!l->recoveryKey.isEmpty() && (l->recoveryKey.size() != qsizetype(kKeySize) ||
                                      l->recoveryKey.count('\0') == qsizetype(kKeySize)))
        fail("accepted a recovery key that is not one");
    if (l->encodeBody() != data)
        fail("an accepted list body is not the one encoding of its list");
}

void handoff(const QByteArray &data) {
    auto r = openHandoff(data, fuzz::kListUserId, fuzz::kHandoffDevice, *dik, newAik->publicKey,
                         *rotationBlob);
    if (!r) {
        checkRefusal(r.error());
        return;
    }
    if (r->publicKey != newAik->publicKey || !r->secretKey.equals(newAik->secretKey))
        fail("a handoff opened to another key");
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    oldAik = new Ed25519KeyPair(fuzz::fixedAccountKey());
    newAik = new Ed25519KeyPair(fuzz::fixedNextAccountKey());
    auto recovery = recoverySigningKey(fuzz::fixedRecoverySecret());
    if (!recovery)
        fail("no recovery signing key");
    rsk = new Ed25519KeyPair(std::move(*recovery));
    dik = new X25519KeyPair(fuzz::fixedHandoffDik());
    rotationBlob = new QByteArray(signSuccession(fuzz::fixedRotation(), *oldAik, *newAik));
    // The blob built here must be the production format.
    const QByteArray body = rotationBlob->mid(4, rotationBlob->size() - 4 - 128);
    if (rotationBlob->isEmpty() || signBody(body, *oldAik) != *rotationBlob)
        fail("signBody() no longer matches signSuccession(): update the target");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *bytes, std::size_t size) {
    if (size < 1 || size > std::size_t(KeySuccession::kMaxBlob) + 64)
        return 0;
    const QByteArray data(reinterpret_cast<const char *>(bytes) + 1, qsizetype(size - 1));
    switch (bytes[0] % 5) {
    case 0:
        statementBlob(data);
        break;
    case 1:
        signedBody(data);
        break;
    case 2:
        recoveryText(data);
        break;
    case 3:
        listBody(data);
        break;
    default:
        handoff(data);
        break;
    }
    return 0;
}
