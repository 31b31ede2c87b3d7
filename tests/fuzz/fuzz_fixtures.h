#pragma once
// Fixed keys shared by the client-side fuzz targets and their corpus generator
// (make_client_corpus.cpp): a seed signed or sealed by the generator must still verify or open in
// every later fuzz run, so nothing a seed depends on may be random.
#include "crypto/group_state.h"
#include "crypto/key_succession.h"
#include "crypto/primitives.h"
#include "crypto/secret_bytes.h"

#include <QByteArray>
#include <QString>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace tidings::fuzz {

//! 32 bytes 0x00, 0x01, ... 0x1f, offset by `first` (different fixtures, different keys).
inline crypto::SecretBytes fixedKey(std::uint8_t first) {
    crypto::SecretBytes key(crypto::kKeySize);
    for (std::size_t i = 0; i < key.size(); ++i)
        key.data()[i] = std::uint8_t(first + i);
    return key;
}

//! The account identity key that signs the device lists of fuzz_device_list.
inline crypto::Ed25519KeyPair fixedAccountKey() {
    auto pair = crypto::Ed25519KeyPair::fromSeed(fixedKey(0x40));
    if (!pair)
        std::abort();
    return std::move(*pair);
}
inline constexpr quint64 kListUserId = 7;
inline constexpr quint64 kListNewestSeen = 3; //!< versions below are a rollback

//! fuzz_key_succession: fixedAccountKey() hands user kListUserId's account on to this key, by
//! itself or by the recovery signing key of fixedRecoverySecret(); the handoff goes to device
//! kHandoffDevice, whose DIK is fixedHandoffDik().
inline crypto::Ed25519KeyPair fixedNextAccountKey() {
    auto pair = crypto::Ed25519KeyPair::fromSeed(fixedKey(0x60));
    if (!pair)
        std::abort();
    return std::move(*pair);
}
inline crypto::SecretBytes fixedRecoverySecret() {
    return fixedKey(0x70);
}
inline constexpr quint64 kHandoffDevice = 2;
inline crypto::X25519KeyPair fixedHandoffDik() {
    auto pair = crypto::X25519KeyPair::fromSecret(fixedKey(0x90));
    if (!pair)
        std::abort();
    return std::move(*pair);
}
//! The authority-1 statement whose blob the handoff seeds are sealed for.
inline crypto::KeySuccession fixedRotation() {
    crypto::KeySuccession s;
    s.userId = kListUserId;
    s.oldKey = fixedAccountKey().publicKey;
    s.newKey = fixedNextAccountKey().publicKey;
    s.lastVersion = kListNewestSeen;
    s.issuedAtMs = 1'700'000'000'000;
    return s;
}

//! fuzz_group_state: user 1 (the account key above) founds a group with user 2.
inline constexpr quint64 kGroupAdmin = 1;
inline constexpr quint64 kGroupMember = 2;
inline crypto::Ed25519KeyPair fixedMemberKey() {
    auto pair = crypto::Ed25519KeyPair::fromSeed(fixedKey(0x50));
    if (!pair)
        std::abort();
    return std::move(*pair);
}
//! The genesis the target's state starts from (signed with fixedAccountKey()).
inline crypto::GroupStateChange fixedGroupGenesis() {
    crypto::GroupStateChange c;
    c.groupUid = QByteArray(crypto::GroupStateChange::kUidSize, 'g');
    c.version = 1;
    c.prevHash = QByteArray(32, '\0');
    c.actorUserId = kGroupAdmin;
    c.actorDeviceId = 10;
    c.issuedAtMs = 1'700'000'000'000;
    crypto::GroupOp admin;
    admin.kind = crypto::GroupOp::Kind::Add;
    admin.userId = kGroupAdmin;
    admin.aik = fixedAccountKey().publicKey;
    admin.role = crypto::GroupRole::Admin;
    crypto::GroupOp member = admin;
    member.userId = kGroupMember;
    member.aik = fixedMemberKey().publicKey;
    member.role = crypto::GroupRole::Member;
    crypto::GroupOp name;
    name.kind = crypto::GroupOp::Kind::Rename;
    name.name = QStringLiteral("Fuzz");
    c.ops = {admin, member, name};
    return c;
}

//! The local master key of fuzz_sealed_rows, and the row its seeds are sealed for.
inline crypto::SecretBytes fixedMasterKey() {
    return fixedKey(0x80);
}
struct SealedRow {
    quint64 conversation = 42;
    quint64 sender = 7;
    QString messageId = QStringLiteral("c-1");
    qint64 rowId = 5; //!< attachments: the message row and the attachment's index
    int index = 0;
};

//! fuzz_secrets_files: the passphrase of the sealed secrets file, and the cheapest Argon2id cost
//! the file format admits (crypto_pwhash OPSLIMIT_MIN / MEMLIMIT_MIN), so one unlock is cheap.
inline const QString kSecretsPassphrase = QStringLiteral("correct horse battery staple");
inline constexpr unsigned long long kCheapOps = 1;
inline constexpr std::size_t kCheapMem = 8192;

[[noreturn]] inline void fail(const char *target, const char *what) {
    std::fprintf(stderr, "%s: %s\n", target, what);
    std::abort();
}

//! Writes one seed (for the generator): `selector` byte first when >= 0.
inline bool writeSeed(const std::filesystem::path &dir, const std::string &name, int selector,
                      const QByteArray &data) {
    std::filesystem::create_directories(dir);
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    if (selector >= 0)
        out.put(char(selector));
    out.write(data.constData(), std::streamsize(data.size()));
    if (!out) {
        std::fprintf(stderr, "cannot write %s\n", (dir / name).c_str());
        return false;
    }
    return true;
}

} // namespace tidings::fuzz
