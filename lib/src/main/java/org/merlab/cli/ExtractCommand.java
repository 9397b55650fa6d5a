package org.merlab.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.merlab.features.AudioExtraction;
import org.merlab.features.FaceExtraction;
import org.merlab.features.FaceModelKind;
import org.merlab.features.HubertExtractor;
import org.merlab.features.LayerList;
import org.merlab.features.TorchScriptModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code merlab extract audio|faces}: features from raw media through TorchScript models (DJL, offline). */
@Command(name = "extract", mixinStandardHelpOptions = true,
        description = {"Make the features the notebooks use from raw media, through TorchScript models",
                "(exported with environment/export; nothing is downloaded). Resumable: existing outputs are skipped unless --force."},
        subcommands = {ExtractCommand.Audio.class, ExtractCommand.Faces.class})
final class ExtractCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Options both subcommands share. */
    abstract static class Common {
        @Option(names = "--data", required = true, description = "Dataset root (holds dataset-process/).")
        Path data;

        @Option(names = "--model", required = true, description = "TorchScript file (its .json sidecar, if present, describes it).")
        Path model;

        @Option(names = "--input", description = "Read the media from this directory instead of the dataset's.")
        Path input;

        @Option(names = "--force", description = "Recompute clips whose outputs exist.")
        boolean force;

        @Option(names = "--keep-going", description = "Log unreadable media in the run's log and go on (default: stop at the first).")
        boolean keepGoing;

        @Option(names = "--device", defaultValue = "auto", description = "cpu, gpu or auto (default: ${DEFAULT-VALUE}: a GPU when DJL sees one).")
        String device;

        @Option(names = "--threads", description = "libtorch intra-op threads (default: libtorch's own choice).")
        Integer threads;

        @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
        boolean quiet;
    }

    @Command(name = "audio", mixinStandardHelpOptions = true,
            description = {"Per-layer HuBERT features: ROOT/dataset-process/audio/<name>.wav (any PCM/float WAV, resampled to 16 kHz mono)",
                    "-> features/chinese-hubert-large-L<k>-UTT/<name>.npy (mean over frames) for each asked layer k,",
                    "and chinese-hubert-large-UTT for the model's last layer; -FRA (frames x dim) with --frame-level.",
                    "Long clips run in chunks with context (bounded memory); see docs/benchmarks.md for the effect."})
    static final class Audio extends Common implements Callable<Integer> {
        @Option(names = "--layers", defaultValue = "0-24", description = "Hidden states to write, e.g. 0-24 or 18-20,24 (default: ${DEFAULT-VALUE}).")
        String layers;

        @Option(names = "--frame-level", description = "Also write frame-level features (-FRA dirs).")
        boolean frameLevel;

        @Option(names = "--chunk-seconds", defaultValue = "20", description = "Longest stretch run in one pass; 0 = whole clips (default: ${DEFAULT-VALUE}).")
        double chunkSeconds;

        @Option(names = "--context-seconds", defaultValue = "2", description = "Extra audio each side of a chunk, run but not kept (default: ${DEFAULT-VALUE}).")
        double contextSeconds;

        @Option(names = "--normalize", negatable = true, description = "Zero-mean/unit-variance the clip first (default: the model's .json, else true).")
        Boolean normalize;

        @Option(names = "--prefix", defaultValue = AudioExtraction.DEFAULT_PREFIX, description = "Feature directory prefix (default: ${DEFAULT-VALUE}).")
        String prefix;

        @Option(names = "--hop", description = "Samples between frames (default: the model's .json, else 320).")
        Integer hop;

        @Option(names = "--receptive-field", description = "Samples per frame (default: the model's .json, else 400).")
        Integer receptiveField;

        @Override
        public Integer call() {
            TorchScriptModel.configureEngine(threads);
            int[] ks = LayerList.parse(layers);
            HubertExtractor.Options opts = new HubertExtractor.Options(ks, chunkSeconds, contextSeconds, normalize, frameLevel, hop, receptiveField);
            AudioExtraction.Summary s = AudioExtraction.run(new AudioExtraction.Settings(data, input, model, opts, prefix, force, keepGoing, quiet,
                    device), System.out);
            return s.failed() > 0 ? 3 : 0;
        }
    }

    @Command(name = "faces", mixinStandardHelpOptions = true,
            description = {"Face embeddings: ROOT/dataset-process/openface_face/<name>/*.bmp -> features/manet_UTT/<name>.npy (--kind manet)",
                    "or features/resnet50face_UTT/<name>.npy (--kind resnet-fer): each model's own preprocessing, mean over frames.",
                    "A clip without face frames gets zeros and a warning in the run's log."})
    static final class Faces extends Common implements Callable<Integer> {
        @Option(names = "--kind", required = true, description = "manet or resnet-fer.")
        String kind;

        @Option(names = "--batch", defaultValue = "32", description = "Frames per forward pass, across clips (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--frame-level", description = "Also write per-frame embeddings (manet_FRA / resnet50face_FRA).")
        boolean frameLevel;

        @Override
        public Integer call() {
            TorchScriptModel.configureEngine(threads);
            FaceModelKind k = FaceModelKind.parse(kind);
            FaceExtraction.Summary s = FaceExtraction.run(new FaceExtraction.Settings(data, input, model, k, batch, frameLevel, force, keepGoing,
                    quiet, device), System.out);
            return s.failed() > 0 ? 3 : 0;
        }
    }
}
