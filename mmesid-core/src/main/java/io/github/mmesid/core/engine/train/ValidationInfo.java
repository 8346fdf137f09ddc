package io.github.mmesid.core.engine.train;

/**
 * The result of one validation.
 *
 * @param step updates done when validated
 * @param epoch 0-based epoch
 * @param metric the hook's value
 * @param best the best value so far (this one included)
 * @param improved whether this value is a new best
 * @param validationsWithoutImprovement consecutive validations without improvement
 */
public record ValidationInfo(long step, int epoch, double metric, double best, boolean improved,
    int validationsWithoutImprovement) {}
