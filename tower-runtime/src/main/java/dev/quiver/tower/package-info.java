/**
 * Two-tower model inference on the CPU: feature hashing, embeddings, MLP towers and heads.
 */
package dev.quiver.tower;
