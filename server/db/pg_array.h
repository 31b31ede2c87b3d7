#pragma once
// Array literals for batch statements (and the one parser of an id array a result returns): one
// parameter carries a whole column of a batch, so a batch of N rows is one statement (one parse,
// one plan, one commit) instead of N.
#include <QByteArray>
#include <QList>

#include <vector>

namespace tidings::server::pgarray {

//! A bigint[] in text form as a result column holds it ("{}", "{7,9}").
inline std::vector<quint64> parseIds(const QByteArray &text) {
    std::vector<quint64> out;
    for (const QByteArray &id : text.mid(1, text.size() - 2).split(','))
        if (!id.isEmpty())
            out.push_back(id.toULongLong());
    return out;
}

template <typename Int> QByteArray ints(const std::vector<Int> &values) {
    QByteArray out("{");
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i)
            out += ',';
        out += QByteArray::number(values[i]);
    }
    return out + '}';
}

//! Every element quoted; '"' and '\' escaped as the array input syntax requires.
inline QByteArray texts(const std::vector<QByteArray> &values) {
    QByteArray out("{");
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i)
            out += ',';
        out += '"';
        for (char c : values[i]) {
            if (c == '"' || c == '\\')
                out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + '}';
}

//! bytea elements in hex input form ("\\x..." inside the literal).
inline QByteArray byteas(const std::vector<QByteArray> &values) {
    qsizetype size = 2;
    for (const auto &v : values)
        size += v.size() * 2 + 6;
    QByteArray out;
    out.reserve(size);
    out += '{';
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i)
            out += ',';
        out += "\"\\\\x";
        out += values[i].toHex();
        out += '"';
    }
    return out + '}';
}

} // namespace tidings::server::pgarray
