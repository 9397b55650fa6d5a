package org.merlab.features;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.merlab.data.DataException;

/**
 * An 8-bit RGB image, rows top to bottom, pixels interleaved {@code R G B} ({@code data[(y*w + x)*3 + c]}),
 * with PIL's bilinear resize (exactly) and torchvision's centre crop.
 */
public record RgbImage(int width, int height, byte[] data) {
    public RgbImage {
        if (width <= 0 || height <= 0 || data.length != width * height * 3) {
            throw new IllegalArgumentException("bad image " + width + "x" + height + " with " + data.length + " bytes");
        }
    }

    /** Channel value 0..255 at (x, y, c). */
    public int get(int x, int y, int c) {
        return data[(y * width + x) * 3 + c] & 0xff;
    }

    /**
     * Reads an image file (BMP as OpenFace writes, also PNG/JPEG) with {@code javax.imageio}; gray and
     * palette images become RGB (gray replicated, as PIL's {@code convert('RGB')} does).
     */
    public static RgbImage read(Path file) {
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new DataException(file, "unreadable image (" + e.getMessage() + ")", "re-run OpenFace for this clip or delete the frame", e);
        }
        if (img == null) {
            throw new DataException(file, Files.exists(file) ? "not an image javax.imageio can read (expected BMP, PNG or JPEG)" : "image not found",
                    "re-run OpenFace for this clip or delete the frame");
        }
        int w = img.getWidth(), h = img.getHeight();
        byte[] d = new byte[w * h * 3];
        if (img.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY
                && img.getRaster().getNumBands() == 1) {
            // getRGB would convert linear gray to sRGB (changing the values); PIL replicates the stored value.
            int bits = img.getColorModel().getComponentSize(0);
            int[] v = img.getRaster().getSamples(0, 0, w, h, 0, (int[]) null);
            for (int i = 0; i < v.length; i++) {
                byte g = (byte) (bits > 8 ? v[i] >>> (bits - 8) : v[i]);
                d[i * 3] = g;
                d[i * 3 + 1] = g;
                d[i * 3 + 2] = g;
            }
            return new RgbImage(w, h, d);
        }
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < argb.length; i++) {
            int p = argb[i];
            d[i * 3] = (byte) (p >>> 16);
            d[i * 3 + 1] = (byte) (p >>> 8);
            d[i * 3 + 2] = (byte) p;
        }
        return new RgbImage(w, h, d);
    }

    /** Wraps HWC uint8 RGB bytes. */
    public static RgbImage of(int width, int height, byte[] hwc) {
        return new RgbImage(width, height, hwc);
    }

    /**
     * PIL's {@code Image.resize((w, h), Image.BILINEAR)} for 8-bit images, reproduced exactly
     * (Pillow's {@code Resample.c}): separable passes, horizontal first, each with a triangle filter
     * whose support grows with the reduction factor (so downscaling averages, i.e. antialiases),
     * coefficients normalised per output pixel then converted to 22-bit fixed point, and each pass
     * rounded and clipped to uint8. Upscaling 112 → 224 is therefore plain half-pixel-centred bilinear
     * interpolation with the edge pixels repeated, rounded to integers after each axis.
     */
    public RgbImage resizeBilinear(int newWidth, int newHeight) {
        if (newWidth <= 0 || newHeight <= 0) throw new IllegalArgumentException("bad size " + newWidth + "x" + newHeight);
        if (newWidth == width && newHeight == height) return this;
        Coefficients horiz = Coefficients.of(width, newWidth);
        Coefficients vert = Coefficients.of(height, newHeight);
        boolean needH = newWidth != width;
        boolean needV = newHeight != height;
        RgbImage src = this;
        if (needH) {
            // Pillow only computes the rows the vertical pass will read.
            int yFirst = needV ? vert.bounds[0] : 0;
            int yLast = needV ? vert.bounds[(newHeight - 1) * 2] + vert.bounds[(newHeight - 1) * 2 + 1] : height;
            byte[] tmp = new byte[newWidth * (yLast - yFirst) * 3];
            for (int y = yFirst; y < yLast; y++) {
                for (int xx = 0; xx < newWidth; xx++) {
                    int xmin = horiz.bounds[xx * 2], xn = horiz.bounds[xx * 2 + 1];
                    int kOff = xx * horiz.ksize;
                    for (int c = 0; c < 3; c++) {
                        int ss = 1 << (PRECISION_BITS - 1);
                        for (int x = 0; x < xn; x++) ss += get(x + xmin, y, c) * horiz.k[kOff + x];
                        tmp[((y - yFirst) * newWidth + xx) * 3 + c] = clip8(ss);
                    }
                }
            }
            src = new RgbImage(newWidth, yLast - yFirst, tmp);
            if (needV) {
                int[] shifted = vert.bounds.clone();
                for (int i = 0; i < newHeight; i++) shifted[i * 2] -= yFirst;
                vert = new Coefficients(vert.ksize, vert.k, shifted);
            }
        }
        if (!needV) return src;
        byte[] out = new byte[src.width * newHeight * 3];
        for (int yy = 0; yy < newHeight; yy++) {
            int ymin = vert.bounds[yy * 2], yn = vert.bounds[yy * 2 + 1];
            int kOff = yy * vert.ksize;
            for (int x = 0; x < src.width; x++) {
                for (int c = 0; c < 3; c++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int y = 0; y < yn; y++) ss += src.get(x, y + ymin, c) * vert.k[kOff + y];
                    out[(yy * src.width + x) * 3 + c] = clip8(ss);
                }
            }
        }
        return new RgbImage(src.width, newHeight, out);
    }

    /** torchvision {@code CenterCrop(size)} (offsets {@code round((H - h) / 2)}, {@code round((W - w) / 2)}). */
    public RgbImage centerCrop(int cropWidth, int cropHeight) {
        if (cropWidth > width || cropHeight > height) {
            throw new IllegalArgumentException("crop " + cropWidth + "x" + cropHeight + " larger than image " + width + "x" + height);
        }
        int top = (int) Math.round((height - cropHeight) / 2.0);
        int left = (int) Math.round((width - cropWidth) / 2.0);
        byte[] out = new byte[cropWidth * cropHeight * 3];
        for (int y = 0; y < cropHeight; y++) {
            System.arraycopy(data, ((top + y) * width + left) * 3, out, y * cropWidth * 3, cropWidth * 3);
        }
        return new RgbImage(cropWidth, cropHeight, out);
    }

    /**
     * torchvision {@code Resize(size)} with an int: the shorter side becomes {@code size}, the longer
     * {@code int(size * long / short)}.
     */
    public RgbImage resizeShorterSide(int size) {
        if (width <= height) {
            return resizeBilinear(size, (int) (size * (double) height / width));
        }
        return resizeBilinear((int) (size * (double) width / height), size);
    }

    // ---- Pillow's Resample.c, 8 bits per channel ----

    private static final int PRECISION_BITS = 32 - 8 - 2;

    private static byte clip8(int in) {
        if (in >= (1 << PRECISION_BITS << 8)) return (byte) 255;
        if (in <= 0) return 0;
        return (byte) (in >> PRECISION_BITS);
    }

    private record Coefficients(int ksize, int[] k, int[] bounds) {
        static Coefficients of(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterscale = Math.max(1.0, scale);
            double support = 1.0 * filterscale; // bilinear filter support 1
            int ksize = (int) Math.ceil(support) * 2 + 1;
            double[] kk = new double[outSize * ksize];
            int[] bounds = new int[outSize * 2];
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                double ww = 0.0;
                double ss = 1.0 / filterscale;
                int xmin = (int) (center - support + 0.5);
                if (xmin < 0) xmin = 0;
                int xmax = (int) (center + support + 0.5);
                if (xmax > inSize) xmax = inSize;
                xmax -= xmin;
                for (int x = 0; x < xmax; x++) {
                    double w = triangle((x + xmin - center + 0.5) * ss);
                    kk[xx * ksize + x] = w;
                    ww += w;
                }
                for (int x = 0; x < xmax; x++) {
                    if (ww != 0.0) kk[xx * ksize + x] /= ww;
                }
                bounds[xx * 2] = xmin;
                bounds[xx * 2 + 1] = xmax;
            }
            int[] k = new int[kk.length];
            for (int i = 0; i < kk.length; i++) {
                k[i] = kk[i] < 0 ? (int) (-0.5 + kk[i] * (1 << PRECISION_BITS)) : (int) (0.5 + kk[i] * (1 << PRECISION_BITS));
            }
            return new Coefficients(ksize, k, bounds);
        }

        private static double triangle(double x) {
            if (x < 0.0) x = -x;
            return x < 1.0 ? 1.0 - x : 0.0;
        }
    }
}
