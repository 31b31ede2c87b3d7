#pragma once
// The frame codec: size limit first, then parse, then validation of every field. Both peers use
// it; the server decodes with decodeClientFrame, clients with decodeServerFrame.
#include "proto/tidings.pb.h"
#include "protocol/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace tidings::protocol {

using Frame = wire::Frame;

//! Decodes and validates a frame sent by a client (requests only).
Result<Frame> decodeClientFrame(QByteArrayView bytes);
//! Decodes and validates a frame sent by the server (responses and pushes only).
Result<Frame> decodeServerFrame(QByteArrayView bytes);

QByteArray encodeFrame(const Frame &frame);

//! Validates the fields of a client frame that is already parsed.
Status validateClientFrame(const Frame &frame);

//! Usernames are lower case ASCII: a letter, then letters, digits, '_', '.' or '-'; 3..32 chars.
bool isValidUsername(QStringView username);
//! The canonical form the server stores (lower case); validate the result with isValidUsername.
QString normalizeUsername(QStringView username);

//! libprotobuf logs an error line for every string with invalid UTF-8 it parses: a peer could
//! flood the log. Processes that parse untrusted frames call this once at start.
void discardProtobufLogs();

Frame makeError(quint64 requestId, ErrorCode code, const QString &detail, quint32 retryAfterMs = 0);
wire::ErrorCode toWire(ErrorCode code);
ErrorCode fromWire(wire::ErrorCode code);
Error errorFromFrame(const Frame &frame);

inline std::string toStd(const QString &s) {
    return s.toStdString();
}
inline QString fromStd(const std::string &s) {
    return QString::fromStdString(s);
}
inline QByteArray bytesFromStd(const std::string &s) {
    return QByteArray(s.data(), qsizetype(s.size()));
}
inline std::string bytesToStd(const QByteArray &b) {
    return std::string(b.constData(), size_t(b.size()));
}

} // namespace tidings::protocol
