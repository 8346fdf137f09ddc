package io.github.mmesid.core.engine.train;

/**
 * Progress after one optimizer update.
 *
 * @param step updates done so far (1-based after the first update)
 * @param totalSteps planned number of updates
 * @param epoch 0-based epoch of this update
 * @param loss mean training loss of the update's batch
 * @param lr learning rate used by the update
 * @param gradNorm global gradient norm before clipping, or NaN when not computed
 * @param examplesPerSecond throughput averaged since the start of this {@link Trainer#train} call
 * @param etaSeconds estimated seconds to the planned end
 */
public record StepInfo(long step, long totalSteps, int epoch, double loss, double lr,
    double gradNorm, double examplesPerSecond, double etaSeconds) {}
