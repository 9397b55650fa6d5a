package org.merlab.experiment;

import java.util.List;
import org.merlab.data.FeatureName;
import org.merlab.model.ModelSpec;

/**
 * One experiment, as written in {@code experiments/*.json}: which features, which model, which loss,
 * which protocol. Every method.md default is a default here, so a config names only what it changes.
 * Read with {@link ExperimentConfigs#read}, which rejects unknown keys and bad values by key path.
 *
 * @param name        short id, also the results folder name
 * @param description one line for tables and reports
 * @param dataset     dataset root; null = the default (MERLAB_DATA, else the generated MER-SIM)
 * @param features    feature groups, fed to the model group after group: {@code [["HL18","HL19","HL20"],["RF","MR"]]}
 * @param model       structure, decoder, sizes
 * @param loss        fixed or uncertainty weighting
 * @param protocol    folds, epochs, batch, optimiser, seeds
 * @param fusion      for a decision-fused system: the member configs; null otherwise
 */
public record ExperimentConfig(
        String name,
        String description,
        String dataset,
        List<List<String>> features,
        Model model,
        Loss loss,
        Protocol protocol,
        Fusion fusion) {

    public ExperimentConfig {
        description = description == null ? "" : description;
        features = features == null ? List.of() : features.stream().map(List::copyOf).toList();
        model = model == null ? Model.DEFAULT : model;
        loss = loss == null ? Loss.DEFAULT : loss;
        protocol = protocol == null ? Protocol.DEFAULT : protocol;
    }

    /** Model section (method.md: AFG d = 128, encoder hidden 256, dropout 0.3; official fusion without softmax). */
    public record Model(ModelSpec.Structure structure, ModelSpec.DecoderKind decoder, Integer d, Integer hidden, Double dropout,
                        Boolean softmaxWeights) {
        static final Model DEFAULT = new Model(null, null, null, null, null, null);

        public Model {
            structure = structure == null ? ModelSpec.Structure.UNIMODAL : structure;
            decoder = decoder == null ? ModelSpec.DecoderKind.JOINT : decoder;
            d = d == null ? ModelSpec.DEFAULT_D : d;
            hidden = hidden == null ? ModelSpec.DEFAULT_HIDDEN : hidden;
            dropout = dropout == null ? 0.3 : dropout; // method.md; ModelSpec.DEFAULT_DROPOUT is the same value as a float
            softmaxWeights = softmaxWeights != null && softmaxWeights;
        }
    }

    /** Loss section: {@code fixed} (λ_e·CE + λ_v·MSE, 1:1) or {@code uncertainty} (Kendall et al.). */
    public record Loss(ModelSpec.LossKind kind, Double emotionWeight, Double valenceWeight) {
        static final Loss DEFAULT = new Loss(null, null, null);

        public Loss {
            kind = kind == null ? ModelSpec.LossKind.UNCERTAINTY : kind;
            emotionWeight = emotionWeight == null ? 1.0 : emotionWeight;
            valenceWeight = valenceWeight == null ? 1.0 : valenceWeight;
        }
    }

    /**
     * Training protocol (method.md, the official MER 2023 baseline defaults): Adam lr 1e-3, weight
     * decay 1e-5, batch 32, up to 100 epochs, 5-fold stratified CV, 3 seeds. {@code patience} null =
     * no early stop (the kept epoch is still the best held-out one).
     */
    public record Protocol(Integer folds, Integer epochs, Integer batchSize, Double learningRate, Double weightDecay,
                           Integer patience, List<Long> seeds) {
        static final Protocol DEFAULT = new Protocol(null, null, null, null, null, null, null);

        public Protocol {
            folds = folds == null ? 5 : folds;
            epochs = epochs == null ? 100 : epochs;
            batchSize = batchSize == null ? 32 : batchSize;
            learningRate = learningRate == null ? 1e-3 : learningRate;
            weightDecay = weightDecay == null ? 1e-5 : weightDecay;
            seeds = seeds == null ? List.of(0L, 1L, 2L) : List.copyOf(seeds);
        }

        public Protocol withEpochsAndSeeds(int e, List<Long> s) {
            return new Protocol(folds, e, batchSize, learningRate, weightDecay, patience, s);
        }
    }

    /**
     * Decision-level fusion of other experiments (method.md): {@code weights} is {@code uniform} or
     * {@code oof-grid} (chosen on out-of-fold predictions, never on test labels).
     */
    public record Fusion(List<String> members, String weights) {
        public Fusion {
            members = members == null ? List.of() : List.copyOf(members);
            weights = weights == null ? "uniform" : weights;
        }
    }

    /** The features as parsed names, group by group. */
    public List<List<FeatureName>> featureNames() {
        return features.stream().map(g -> g.stream().map(FeatureName::parse).toList()).toList();
    }

    public boolean isFusion() {
        return fusion != null;
    }

    public ExperimentConfig withProtocol(Protocol p) {
        return new ExperimentConfig(name, description, dataset, features, model, loss, p, fusion);
    }

    public ExperimentConfig withDataset(String root) {
        return new ExperimentConfig(name, description, root, features, model, loss, protocol, fusion);
    }
}
