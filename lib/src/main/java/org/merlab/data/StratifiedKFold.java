package org.merlab.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded, class-stratified k-fold assignment (method.md: the official code shuffles without a
 * seed; we seed it so runs repeat). Each class's samples are shuffled with the seed and dealt to
 * the folds in turn, continuing where the previous class stopped, so every fold gets each class in
 * proportion and fold sizes differ by at most one.
 */
public final class StratifiedKFold {
    private final int[] foldOf;
    private final int folds;

    public StratifiedKFold(int[] classes, int numClasses, int folds, long seed) {
        if (folds < 2) throw new IllegalArgumentException("folds must be ≥ 2, got " + folds);
        if (classes.length < folds) throw new IllegalArgumentException(classes.length + " samples cannot make " + folds + " folds");
        this.folds = folds;
        this.foldOf = new int[classes.length];
        SplittableRandom rng = new SplittableRandom(seed);
        int next = 0;
        for (int c = 0; c < numClasses; c++) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < classes.length; i++) if (classes[i] == c) members.add(i);
            for (int i = members.size() - 1; i > 0; i--) { // Fisher–Yates
                int j = rng.nextInt(i + 1);
                Integer t = members.get(i);
                members.set(i, members.get(j));
                members.set(j, t);
            }
            for (int idx : members) {
                foldOf[idx] = next;
                next = (next + 1) % folds;
            }
        }
    }

    public int folds() {
        return folds;
    }

    /** The fold each sample is held out in. */
    public int foldOf(int sample) {
        return foldOf[sample];
    }

    /** Indices of the held-out samples of a fold, ascending. */
    public int[] heldOut(int fold) {
        return select(fold, true);
    }

    /** Indices of the training samples of a fold, ascending. */
    public int[] training(int fold) {
        return select(fold, false);
    }

    private int[] select(int fold, boolean held) {
        return java.util.stream.IntStream.range(0, foldOf.length).filter(i -> (foldOf[i] == fold) == held).toArray();
    }
}
