#pragma once
// Range request headers (RFC 9110 §14): one byte range is served as 206; anything this server
// does not serve as a range (several ranges, other units, syntax it does not know) is ignored,
// which RFC 9110 allows, and the whole representation is sent.
#include <QByteArrayView>
#include <QtGlobal>

namespace tidings::http {

struct ByteRange {
    enum class Kind { Whole, Partial, Unsatisfiable };
    Kind kind = Kind::Whole;
    quint64 first = 0; //!< inclusive
    quint64 last = 0;  //!< inclusive
    quint64 length() const { return last - first + 1; }
};

//! `header` is the Range field value (may be empty: Whole). `size` is the representation size.
ByteRange parseRange(QByteArrayView header, quint64 size);

} // namespace tidings::http
