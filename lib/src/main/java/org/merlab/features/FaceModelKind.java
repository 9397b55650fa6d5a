package org.merlab.features;

import java.util.Locale;
import org.merlab.data.FeatureName;

/**
 * The face models of the MER 2023 baseline, each with its own preprocessing (reproduced exactly from
 * the baseline's torchvision transforms on PIL images) and embedding size.
 *
 * <ul>
 *   <li>{@link #MANET}: {@code Resize((224, 224))}, {@code ToTensor()} → RGB in [0, 1]; output
 *       (N, 1024) = MANet's two 512-d branch GAP vectors ({@code model(x, return_embedding=True)});
 *       written to {@code manet_UTT}.</li>
 *   <li>{@link #RESNET_FER}: {@code Resize(256)} (shorter side), {@code CenterCrop(224)},
 *       {@code ToTensor()}, {@code x * 255}, {@code Normalize(mean = VGGFace2 mean, std = 1)} → RGB
 *       0..255 minus (131.0912, 103.8827, 91.4953); output (N, 512) = {@code conv5_3_3x3_relu} → 7×7
 *       average pool → ReLU; written to {@code resnet50face_UTT}.</li>
 * </ul>
 */
public enum FaceModelKind {
    MANET("manet", 1024, FeatureName.MANET),
    RESNET_FER("resnet-fer", 512, FeatureName.RESNET_FER);

    /** Input side of both models. */
    public static final int INPUT = 224;
    static final float[] VGGFACE2_MEAN = {131.0912f, 103.8827f, 91.4953f};

    private final String id;
    private final int dim;
    private final String directory;

    FaceModelKind(String id, int dim, String directory) {
        this.id = id;
        this.dim = dim;
        this.directory = directory;
    }

    public String id() {
        return id;
    }

    /** Embedding size the model must return. */
    public int dim() {
        return dim;
    }

    /** Utterance-level feature directory ({@code manet_UTT}, {@code resnet50face_UTT}). */
    public String directory() {
        return directory;
    }

    /** Frame-level directory ({@code manet_FRA}, {@code resnet50face_FRA}). */
    public String frameDirectory() {
        return directory.replace("_UTT", "_FRA");
    }

    public static FaceModelKind parse(String s) {
        String n = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        return switch (n) {
            case "manet", "mr" -> MANET;
            case "resnet-fer", "resnetfer", "resnet50-fer", "ferplus", "resnet50face", "rf" -> RESNET_FER;
            default -> throw new IllegalArgumentException("unknown face model kind '" + s + "' (use manet or resnet-fer)");
        };
    }

    /** The 224×224 RGB image the model sees, before conversion to floats. */
    public RgbImage resize(RgbImage img) {
        return switch (this) {
            case MANET -> img.resizeBilinear(INPUT, INPUT);
            case RESNET_FER -> img.resizeShorterSide(256).centerCrop(INPUT, INPUT);
        };
    }

    /** Writes the model input for one image, CHW float32, into {@code dst} at {@code offset} (3·224·224 values). */
    public void toInput(RgbImage img, float[] dst, int offset) {
        RgbImage r = resize(img);
        int plane = INPUT * INPUT;
        byte[] d = r.data();
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                float v = (d[i * 3 + c] & 0xff) / 255f; // ToTensor()
                if (this == RESNET_FER) v = (v * 255f - VGGFACE2_MEAN[c]) / 1f; // x * 255.0, Normalize(mean, std=1)
                dst[offset + c * plane + i] = v;
            }
        }
    }

    @Override
    public String toString() {
        return id;
    }
}
