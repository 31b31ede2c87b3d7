#include "jpeg_decode.h"

#include <QColorSpace>

#include <csetjmp>
#include <cstdio> // jpeglib.h needs FILE
#include <cstdlib>

#include <jpeglib.h>

namespace tidings::client::media {

namespace {

// libjpeg reports errors by calling error_exit, which must not return: it jumps back to the
// setjmp of the C-only function that called into the library (no C++ object lives in those
// frames, so nothing is skipped that needed destroying).
struct ErrorManager {
    jpeg_error_mgr pub;
    std::jmp_buf jump;
};

void onError(j_common_ptr cinfo) {
    std::longjmp(reinterpret_cast<ErrorManager *>(cinfo->err)->jump, 1);
}

void onMessage(j_common_ptr, int) {} // warnings (e.g. extraneous bytes) are not errors here

struct Decoder {
    jpeg_decompress_struct cinfo;
    ErrorManager err;
    unsigned char *icc = nullptr;
    unsigned int iccLength = 0;
};

//! The scale M (of M/8) for a long side of `side` pixels to fit `limit`.
unsigned scaleFor(unsigned side, unsigned limit) {
    unsigned m = 8;
    while (m > 1 && (side * m + 7) / 8 > limit)
        --m;
    // Much smaller than asked (e.g. 4624 → 2312 for 2560): one step up, scaled down after.
    if (m < 8 && (side * m + 7) / 8 < limit * 9 / 10)
        ++m;
    return m;
}

bool start(Decoder &d, const unsigned char *data, unsigned long size, unsigned longSide) {
    if (setjmp(d.err.jump))
        return false;
    jpeg_mem_src(&d.cinfo, data, size);
    jpeg_save_markers(&d.cinfo, JPEG_APP0 + 2, 0xFFFF); // the ICC profile
    if (jpeg_read_header(&d.cinfo, TRUE) != JPEG_HEADER_OK)
        return false;
    if (d.cinfo.jpeg_color_space == JCS_CMYK || d.cinfo.jpeg_color_space == JCS_YCCK)
        return false; // not to RGB here; QImageReader converts them
    if (!jpeg_read_icc_profile(&d.cinfo, &d.icc, &d.iccLength)) {
        d.icc = nullptr;
        d.iccLength = 0;
    }
    const unsigned side = std::max(d.cinfo.image_width, d.cinfo.image_height);
    d.cinfo.scale_num = side > longSide ? scaleFor(side, longSide) : 8;
    d.cinfo.scale_denom = 8;
    d.cinfo.out_color_space = JCS_EXT_BGRA; // QImage::Format_RGB32 in memory, alpha 0xff
    jpeg_calc_output_dimensions(&d.cinfo);
    return true;
}

bool readRows(Decoder &d, unsigned char *bits, qsizetype bytesPerLine) {
    if (setjmp(d.err.jump))
        return false;
    jpeg_start_decompress(&d.cinfo);
    if (d.cinfo.output_components != 4)
        return false;
    while (d.cinfo.output_scanline < d.cinfo.output_height) {
        JSAMPROW row = bits + qsizetype(d.cinfo.output_scanline) * bytesPerLine;
        if (jpeg_read_scanlines(&d.cinfo, &row, 1) != 1)
            return false;
    }
    jpeg_finish_decompress(&d.cinfo);
    return true;
}

} // namespace

QImage decodeJpegToFit(const QByteArray &data, int longSide, qint64 maxBytes) {
    if (data.isEmpty() || longSide < 1)
        return {};
    Decoder d{};
    d.cinfo.err = jpeg_std_error(&d.err.pub);
    d.err.pub.error_exit = onError;
    d.err.pub.emit_message = onMessage;
    jpeg_create_decompress(&d.cinfo);
    QImage image;
    if (start(d, reinterpret_cast<const unsigned char *>(data.constData()),
              static_cast<unsigned long>(data.size()), unsigned(longSide))) {
        const qint64 w = d.cinfo.output_width, h = d.cinfo.output_height;
        if (w > 0 && h > 0 && w * h * 4 <= maxBytes) {
            image = QImage(int(w), int(h), QImage::Format_RGB32);
            if (image.isNull() || !readRows(d, image.bits(), image.bytesPerLine()))
                image = QImage();
        }
    }
    const QByteArray icc =
        d.icc ? QByteArray(reinterpret_cast<const char *>(d.icc), qsizetype(d.iccLength))
              : QByteArray();
    std::free(d.icc);
    jpeg_destroy_decompress(&d.cinfo);
    if (image.isNull())
        return {};
    if (!icc.isEmpty())
        image.setColorSpace(QColorSpace::fromIccProfile(icc));
    if (std::max(image.width(), image.height()) > longSide)
        image =
            image.scaled(QSize(longSide, longSide), Qt::KeepAspectRatio, Qt::SmoothTransformation);
    return image;
}

} // namespace tidings::client::media
