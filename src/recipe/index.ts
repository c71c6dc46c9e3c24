export { readRecipe, splitWords, substitute, stepFiles, upToDate, recipeStepText, shellQuote, type Recipe, type RecipeStep } from "./recipe.js";
export { runRecipe, type RecipeRun, type StepResult } from "./run.js";
