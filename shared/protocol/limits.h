#pragma once
// Hard limits of the wire. Each is enforced before the data it bounds is allocated or stored;
// docs/PROTOCOL.md lists them.
#include <cstddef>
#include <cstdint>

namespace tidings::limits {

//! A frame from a client; checked against the WebSocket message size before parsing.
inline constexpr std::size_t kMaxClientFrameBytes = 96 * 1024;
//! A frame from the server (pushes batch several messages).
inline constexpr std::size_t kMaxServerFrameBytes = 4 * 1024 * 1024;
//! Opaque message payload (ciphertext). Media travels over HTTP, never here.
inline constexpr std::size_t kMaxPayloadBytes = 64 * 1024;
inline constexpr int kMinUsernameLength = 3;
inline constexpr int kMaxUsernameLength = 32;
inline constexpr int kMinPasswordBytes = 8;
inline constexpr int kMaxPasswordBytes = 1024;
inline constexpr int kMaxDeviceNameBytes = 64;
inline constexpr int kMaxDisplayNameBytes = 64;
//! Invite codes the admin hands out (tidings-admin invite create): 16 base32 characters; longer
//! is refused before it is looked at.
inline constexpr int kMaxInviteCodeBytes = 64;
inline constexpr int kMaxClientMessageIdBytes = 64;
inline constexpr int kDeviceTokenBytes = 32;
inline constexpr std::uint32_t kMaxHistoryLimit = 500;
inline constexpr std::uint32_t kDefaultHistoryLimit = 100;
//! Messages per MessagePush frame (inbox drains are paged by this).
inline constexpr int kMaxMessagesPerPush = 256;
//! Payload bytes the server puts into one push or history frame; the next message starts a new
//! frame (or page). 64 KiB payloads times 256 messages would otherwise exceed the frame limit.
inline constexpr std::size_t kMaxPushPayloadBytes = 1024 * 1024;
//! Members of one group, the creator included.
inline constexpr int kMaxGroupMembers = 500;
inline constexpr int kMaxGroupNameBytes = 64;
//! A signed group change (crypto/group_state.h): a 500-member genesis is about 21 KB.
inline constexpr int kMaxGroupChangeBytes = 32 * 1024;
//! Signed group changes in one GroupLogResponse.
inline constexpr int kMaxGroupLogPage = 64;
//! Users one connection may watch the presence of (the open chats, not the whole address book).
inline constexpr int kMaxPresenceSubscriptions = 100;
//! A typing indicator lives this long without a refresh.
inline constexpr int kTypingExpiryMs = 5000;
//! End-to-end keys: X25519/Ed25519 public keys and Ed25519 signatures.
inline constexpr int kPublicKeyBytes = 32;
inline constexpr int kSignatureBytes = 64;
//! Per-device ciphertexts in one send (a sender-key distribution to a big group is split).
inline constexpr int kMaxEnvelopesPerSend = 256;
inline constexpr int kMaxOneTimePrekeysPerUpload = 100;
//! One-time prekeys the server keeps per device; below kPrekeyRefillThreshold it asks for more.
inline constexpr int kMaxStoredOneTimePrekeys = 200;
inline constexpr int kPrekeyRefillThreshold = 20;
//! Devices of one account (the signed device list names at most this many).
inline constexpr int kMaxDevicesPerUser = 16;
inline constexpr std::size_t kMaxSignedDeviceListBytes = 4096;
//! An account-key succession statement (a recovery one embeds a device list).
inline constexpr std::size_t kMaxSuccessionBytes = 8192;
//! Successions returned from a pinned key to the current one; a client further behind sees the
//! change as a replacement (no continuity).
inline constexpr int kMaxSuccessions = 32;
inline constexpr std::size_t kMaxLinkBlobBytes = 4096;
//! Bundle fetches per requesting device per minute. A fetch names one user; the first message to
//! a 500-member group fetches every member's devices once, so the budget covers that.
inline constexpr int kMaxBundleFetchesPerMinute = 600;
//! Media (docs/PROTOCOL.md, "Media"). Blobs travel over HTTP, never in frames; a send names the
//! blobs its encrypted payload points to, as 64 lower-case hex digits (SHA-256 of the blob).
inline constexpr int kMaxAttachmentsPerSend = 32;
inline constexpr int kBlobIdHexChars = 64;
//! The largest chunk (PATCH body) of an upload; the server may announce a smaller one.
inline constexpr std::uint32_t kMaxMediaChunkBytes = 4 * 1024 * 1024;
//! A media bearer token as a client accepts it from the server.
inline constexpr std::size_t kMaxMediaTokenBytes = 512;
//! Bad frames tolerated on one connection before it is closed.
inline constexpr int kMaxBadFrames = 8;

} // namespace tidings::limits
