/**
 * Port of MXNet 1.9.1 `example/gluon/lstm_crf/lstm_crf.py` (tag 1.9.1): a BiLSTM-CRF in a Gluon
 * `Block` for noun-phrase chunking (tags B, I, O), trained on the script's own two toy
 * sentences with SGD, the CRF's forward algorithm for the partition function and Viterbi
 * decoding for prediction (adopted there from the PyTorch NLP tutorial).
 *
 *   deno run -A examples/mxnet/gluon/lstm_crf.ts [EPOCHS]   # 300 as the Python
 *
 * Lines that differ from the Python, and why:
 * - The script's top level (seed, data, model, 300 epochs, the printouts) is `main(epochs)`,
 *   and the training loop is `train(model, data, epochs)` returning each epoch's mean negative
 *   log likelihood, so a test can import the model without training it for 300 epochs.
 * - `x.asscalar()` inside the recorded forward pass is `x.dataSync()[0]` (a synchronous read;
 *   mxts's `asScalar()` is async and the recorded function is synchronous).
 * - `nd.concat(nd.array([START]), *tags_array, dim=0)` concatenates the tag array whole: the
 *   same result as unpacking its (1,)-shaped rows.
 * - `crf_transition_matrix` names its initializer, Xavier(magnitude=2.24), the one the script
 *   passes to `model.initialize`. MXNet's Gluon gives a parameter without its own initializer
 *   the global initializer's weight rule whatever its name; mxts's `Parameter.initialize`
 *   applies the name rules (weight, bias, gamma, ...) instead and rejects this name. Same values.
 * - Python's `with self.name_scope():` is `this.nameScope(() => ...)`, `feat[i]` is
 *   `feat.get(i)`, `x[0, j] = v` is `x.setAt([0, j], v)`.
 * @module
 */
import * as mx from "../../../mod.ts";
import type { NDArray } from "../../../mod.ts";

const nd = mx.nd;
const { gluon, autograd: ag } = mx;
const { nn, rnn } = gluon;

// Helper functions to make the code more readable.
/** The first element of `x` as an integer. */
export function toScalar(x: NDArray): number {
  return Math.trunc(x.dataSync()[0] as number);
}

/** return the argmax as a python int */
export function argmax(vec: NDArray): number {
  const idx = nd.argmax(vec, { axis: 1 });
  return toScalar(idx);
}

/** The word indices of `seq`. */
export function prepareSequence(seq: string[], word2Idx: Record<string, number>): NDArray {
  return nd.array(seq.map((w) => word2Idx[w]));
}

/** Compute log sum exp is numerically more stable than multiplying probabilities */
export function logSumExp(vec: NDArray): NDArray {
  const maxScore = vec.max().dataSync()[0] as number;
  return nd.log(nd.sum(nd.exp(vec.sub(maxScore)))).add(maxScore);
}

/** The tag that starts every sequence. */
export const START_TAG = "<START>";
/** The tag that ends every sequence. */
export const STOP_TAG = "<STOP>";

// Model
/** Get BiLSTM_CRF model */
export class BiLSTM_CRF extends gluon.Block {
  embeddingDim!: number;
  hiddenDim!: number;
  vocabSize!: number;
  tag2idx!: Record<string, number>;
  tagsetSize!: number;
  wordEmbeds!: mx.gluon.nn.Embedding;
  lstm!: mx.gluon.rnn.LSTM;
  hidden2tag!: mx.gluon.nn.Dense;
  transitions!: mx.gluon.Parameter;
  hidden!: NDArray[];

  /** The model for `vocabSize` words and the tags of `tag2Idx` (START and STOP included). */
  constructor(
    vocabSize: number,
    tag2Idx: Record<string, number>,
    embeddingDim: number,
    hiddenDim: number,
  ) {
    super();
    this.nameScope(() => {
      this.embeddingDim = embeddingDim;
      this.hiddenDim = hiddenDim;
      this.vocabSize = vocabSize;
      this.tag2idx = tag2Idx;
      this.tagsetSize = Object.keys(tag2Idx).length;
      this.wordEmbeds = new nn.Embedding(vocabSize, embeddingDim);
      this.lstm = new rnn.LSTM(Math.floor(hiddenDim / 2), { numLayers: 1, bidirectional: true });

      // Maps the output of the LSTM into tag space.
      this.hidden2tag = new nn.Dense(this.tagsetSize);

      // Matrix of transition parameters.  Entry i,j is the score of
      // transitioning *to* i *from* j.
      // (mxts: the initializer is named here, see the header.)
      this.transitions = this.params.get("crf_transition_matrix", {
        shape: [this.tagsetSize, this.tagsetSize],
        init: new mx.init.Xavier({ magnitude: 2.24 }),
      });
      this.hidden = this.initHidden();
    });
  }

  /** Random initial LSTM states (h, c), both directions, batch 1. */
  initHidden(): NDArray[] {
    return [
      nd.random.normal(0, 1, [2, 1, Math.floor(this.hiddenDim / 2)]),
      nd.random.normal(0, 1, [2, 1, Math.floor(this.hiddenDim / 2)]),
    ];
  }

  /** Do the forward algorithm to compute the partition function */
  forwardAlg(feats: NDArray[]): NDArray {
    const init = [new Array(this.tagsetSize).fill(-10000)];
    init[0][this.tag2idx[START_TAG]] = 0;
    let alphas: NDArray = nd.array(init);

    // Iterate through the sentence
    for (const feat of feats) {
      const alphasT: NDArray[] = []; // The forward variables at this timestep
      for (let nextTag = 0; nextTag < this.tagsetSize; nextTag++) {
        // broadcast the emission score: it is the same regardless of
        // the previous tag
        const emitScore = feat.get(nextTag).reshape([1, -1]);
        // the ith entry of trans_score is the score of transitioning to
        // next_tag from i
        const transScore = this.transitions.data().get(nextTag).reshape([1, -1]);
        // The ith entry of next_tag_var is the value for the
        // edge (i -> next_tag) before we do log-sum-exp
        const nextTagVar = alphas.add(transScore).add(emitScore);
        // The forward variable for this tag is log-sum-exp of all the
        // scores.
        alphasT.push(logSumExp(nextTagVar));
      }
      alphas = nd.concat(alphasT, { dim: 0 }).reshape([1, -1]);
    }
    const terminalVar = alphas.add(this.transitions.data().get(this.tag2idx[STOP_TAG]));
    const alpha = logSumExp(terminalVar);
    return alpha;
  }

  /** The BiLSTM's emission scores, one [tagset] array per word. */
  getLstmFeatures(sentences: NDArray): NDArray[] {
    this.hidden = this.initHidden();
    const length = sentences.shape[0];
    const embeds = this.wordEmbeds.forward(sentences).reshape([length, 1, -1]);
    let lstmOut: NDArray;
    [lstmOut, this.hidden] = this.lstm.forward(embeds, this.hidden);
    lstmOut = lstmOut.reshape([length, this.hiddenDim]);
    const lstmFeats = this.hidden2tag.forward(lstmOut);
    return nd.split(lstmFeats, { numOutputs: length, axis: 0, squeezeAxis: true }) as NDArray[];
  }

  /** Gives the score of a provided tag sequence */
  scoreSentence(feats: NDArray[], tagsArray: NDArray): NDArray {
    let score: NDArray = nd.array([0]);
    tagsArray = nd.concat([nd.array([this.tag2idx[START_TAG]]), tagsArray], { dim: 0 });
    feats.forEach((feat, idx) => {
      score = score
        .add(
          this.transitions.data().get([
            toScalar(tagsArray.get(idx + 1)),
            toScalar(tagsArray.get(idx)),
          ]),
        )
        .add(feat.get(toScalar(tagsArray.get(idx + 1))));
    });
    score = score.add(
      this.transitions.data().get([
        this.tag2idx[STOP_TAG],
        toScalar(tagsArray.get(tagsArray.shape[0] - 1)),
      ]),
    );
    return score;
  }

  /** The best tag path and its score. */
  viterbiDecode(feats: NDArray[]): [NDArray, number[]] {
    const backpointers: number[][] = [];

    // Initialize the viterbi variables in log space
    let vvars: NDArray = nd.full([1, this.tagsetSize], -10000);
    vvars.setAt([0, this.tag2idx[START_TAG]], 0);

    for (const feat of feats) {
      const bptrsT: number[] = []; // holds the backpointers for this step
      const viterbivarsT: NDArray[] = []; // holds the viterbi variables for this step

      for (let nextTag = 0; nextTag < this.tagsetSize; nextTag++) {
        // next_tag_var[i] holds the viterbi variable for tag i at the
        // previous step, plus the score of transitioning
        // from tag i to next_tag.
        // We don't include the emission scores here because the max
        // does not depend on them (we add them in below)
        const nextTagVar = vvars.add(this.transitions.data().get(nextTag));
        const bestTagId = argmax(nextTagVar);
        bptrsT.push(bestTagId);
        viterbivarsT.push(nextTagVar.get([0, bestTagId]));
      }
      // Now add in the emission scores, and assign vvars to the set
      // of viterbi variables we just computed
      vvars = nd.concat(viterbivarsT, { dim: 0 }).add(feat).reshape([1, -1]);
      backpointers.push(bptrsT);
    }

    // Transition to STOP_TAG
    const terminalVar = vvars.add(this.transitions.data().get(this.tag2idx[STOP_TAG]));
    let bestTagId = argmax(terminalVar);
    const pathScore = terminalVar.get([0, bestTagId]);

    // Follow the back pointers to decode the best path.
    const bestPath = [bestTagId];
    for (const bptrsT of [...backpointers].reverse()) {
      bestTagId = bptrsT[bestTagId];
      bestPath.push(bestTagId);
    }
    // Pop off the start tag (we dont want to return that to the caller)
    const start = bestPath.pop();
    if (start !== this.tag2idx[START_TAG]) {
      throw new mx.MXNetError("viterbiDecode: the path does not start at START"); // Sanity check
    }
    bestPath.reverse();
    return [pathScore, bestPath];
  }

  /** The CRF's negative log likelihood of `tagsList` for the sentence. */
  negLogLikelihood(sentences: NDArray, tagsList: NDArray): NDArray {
    const feats = this.getLstmFeatures(sentences);
    const forwardScore = this.forwardAlg(feats);
    const goldScore = this.scoreSentence(feats, tagsList);
    return forwardScore.sub(goldScore);
  }

  /** dont confuse this with _forward_alg above. */
  override forward(sentences: NDArray): [NDArray, number[]] {
    // Get the emission scores from the BiLSTM
    const lstmFeats = this.getLstmFeatures(sentences);

    // Find the best path, given the features.
    const [score, tagSeq] = this.viterbiDecode(lstmFeats);
    return [score, tagSeq];
  }
}

/** Run training */
export const EMBEDDING_DIM = 5;
/** The BiLSTM's width (both directions). */
export const HIDDEN_DIM = 4;

/** Make up some training data */
export const trainingData: [string[], string[]][] = [[
  "the wall street journal reported today that apple corporation made money".split(" "),
  "B I I I O O O B I O O".split(" "),
], [
  "georgia tech is a university in georgia".split(" "),
  "B I O O O O B".split(" "),
]];

/** Word indices in order of appearance. */
export function makeWord2Idx(data: [string[], string[]][]): Record<string, number> {
  const word2idx: Record<string, number> = {};
  for (const [sentence] of data) {
    for (const word of sentence) {
      if (!(word in word2idx)) word2idx[word] = Object.keys(word2idx).length;
    }
  }
  return word2idx;
}

/** The tags, START and STOP included. */
export const tag2idx: Record<string, number> = { B: 0, I: 1, O: 2, [START_TAG]: 3, [STOP_TAG]: 4 };

/** Trains for `epochs` epochs; returns each epoch's mean negative log likelihood. */
export function train(
  model: BiLSTM_CRF,
  word2idx: Record<string, number>,
  epochs: number,
  log: (line: string) => void = console.log,
): number[] {
  const optimizer = new gluon.Trainer(model.collectParams(), "sgd", {
    learningRate: 0.01,
    wd: 1e-4,
  });
  const history: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    let negLogLikelihoodAcc = 0;
    let iter = 0;
    trainingData.forEach(([sentence, tags], i) => {
      // Step 1. Get our inputs ready for the network, that is,
      // turn them into Variables of word indices.
      // Remember to use autograd to record the calculation.
      const negLogLikelihood = ag.record(() => {
        const sentenceIn = prepareSequence(sentence, word2idx);
        const targets = nd.array(tags.map((t) => tag2idx[t]));

        // Step 2. Run our forward pass.
        const negLogLikelihood = model.negLogLikelihood(sentenceIn, targets);

        // Step 3. Compute the loss, gradients, and update the parameters by
        // calling optimizer.step()
        negLogLikelihood.backward();
        return negLogLikelihood;
      });
      optimizer.step(1);
      negLogLikelihoodAcc += negLogLikelihood.mean().dataSync()[0] as number;
      iter = i;
    });
    history.push(negLogLikelihoodAcc / (iter + 1));
    log(
      `Epoch [${epoch}], Negative Log Likelihood ${(negLogLikelihoodAcc / (iter + 1)).toFixed(4)}`,
    );
  }
  return history;
}

/** `(score, tag path)` as Python prints the tuple (the score's value, not an array object). */
function show([score, path]: [NDArray, number[]]): string {
  return `(${(score.dataSync()[0] as number).toFixed(4)}, [${path.join(", ")}])`;
}

/** The script: seed 1, the model, a prediction before and after `epochs` epochs. */
export function main(epochs = 300): void {
  mx.random.seed(1);
  const word2idx = makeWord2Idx(trainingData);
  const model = new BiLSTM_CRF(Object.keys(word2idx).length, tag2idx, EMBEDDING_DIM, HIDDEN_DIM);
  model.initialize(new mx.init.Xavier({ magnitude: 2.24 }), { ctx: mx.cpu() });

  // Check predictions before training
  let precheckSent = prepareSequence(trainingData[0][0], word2idx);
  console.log(show(model.forward(precheckSent)));

  train(model, word2idx, epochs);

  // Check predictions after training
  precheckSent = prepareSequence(trainingData[0][0], word2idx);
  console.log(show(model.forward(precheckSent)));
}

if (import.meta.main) main(Deno.args[0] ? Number(Deno.args[0]) : 300);

// Acknowledgement: this example is adopted from pytorch nlp tutorials.
